// The bounce parser's pure entry point: raw report bytes in, classified
// per-recipient records and correlation hints out. No I/O, no database.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime.h"

namespace v2v::bounce {

// One recipient the report is about, classified.
struct BounceRecord {
    std::string recipient;       // address (as written in the report)
    std::string status;          // enhanced status code, or a pseudo code x.0.9xx; "" for feedback/vacation
    std::string action;          // failed, delayed, delivered, relayed, expanded or ""
    std::string reason;          // Sisimai taxonomy
    std::optional<bool> hard;    // nullopt for delivered, feedback, vacation
    std::optional<int> smtpCode; // SMTP reply code
    std::string diagnostic;      // diagnostic text (cleaned)
    std::string command;         // SMTP command the error answered, if known
    std::string rhost;           // remote MTA
    std::string feedbackType;    // ARF Feedback-Type
    std::string agent;           // reader that produced the record
};

// What the report tells about the message it refers to (for correlation).
struct ReportHints {
    std::string envid;                       // Original-Envelope-Id
    std::vector<std::string> messageIds;     // Message-ID of returned headers, without <>
    std::vector<std::string> returnPaths;    // Return-Path / X-Postfix-Sender addresses of the original
    std::vector<std::string> internalIds;    // values of X-V2V-* headers of the original
};

struct ParsedReport {
    bool readable = false;  // false when the input is not a message at all
    std::vector<BounceRecord> records;
    ReportHints hints;
};

struct ParseOptions {
    MimeLimits mime;
};

ParsedReport parseReport(std::string_view raw, const ParseOptions& options = {});

// Event kind of a record: "bounced", "deferred", "delivered", "complained", "auto_replied".
std::string eventKind(const BounceRecord& r);

}  // namespace v2v::bounce
