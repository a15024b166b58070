// Correlation of a report with the email and recipient it is about
// (DESIGN.md): the VERP address the report was sent to first, then the
// ENVID, then the returned headers (Return-Path, Message-ID <ULID@domain>,
// X-V2V-* headers). Pure: produces candidates; the store checks them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "parser.h"

namespace v2v::bounce {

struct Candidate {
    std::string emailId;       // canonical ULID
    std::optional<int> index;  // recipient index when the key carries one
    std::string source;        // "verp", "envid", "return-path", "message-id", "header"
};

struct VerpKeys {
    std::string prefix = "bounce";  // domains.verp_prefix
    std::string domain;             // domains.bounce_domain; "" accepts any domain
};

// Candidates, strongest first, without duplicates.
std::vector<Candidate> correlationCandidates(const std::string& pipeRecipient, const ReportHints& hints,
                                             const VerpKeys& keys);

}  // namespace v2v::bounce
