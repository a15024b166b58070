// POST /email/send body: parsed and validated into a SendRequest (pure; no I/O).
// Every field of DESIGN.md. Errors carry the offending field path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "address.h"
#include "api_error.h"

namespace v2v::gw {

struct Attachment {
    std::string filename;
    std::string content_type;  // type/subtype
    std::string content;       // decoded bytes
    bool inline_ = false;
    std::string content_id;    // without <>
};

struct Recipient {
    Mailbox mailbox;
    std::string kind;  // to | cc | bcc
};

struct SendRequest {
    Mailbox from;
    std::vector<Mailbox> to, cc, bcc;
    std::optional<Mailbox> reply_to;
    std::string subject;
    std::optional<std::string> text, html;
    std::optional<std::string> template_name;
    std::optional<int> template_version;
    bool template_strict = false;  // "strict": missing variables → 422
    std::string variables_json = "{}";  // object, as JSON text
    std::vector<Attachment> attachments;
    std::vector<std::pair<std::string, std::string>> headers;  // in request order
    std::vector<std::string> tags;
    std::string metadata_json = "{}";  // object, as JSON text
    std::optional<std::int64_t> send_at;  // Unix seconds
    std::optional<bool> track_opens, track_clicks, list_unsubscribe;

    // Envelope recipients in index order (to, cc, bcc): index n is the VERP "-n".
    std::vector<Recipient> recipients() const;
};

struct SendLimits {
    int max_recipients = 50;
    std::size_t max_attachments = 20;
    std::int64_t max_schedule_ahead_seconds = 30LL * 86400;
};

// `body` is the raw JSON text. `now` is used for send_at checks.
std::variant<SendRequest, ApiError> parseSendRequest(const std::string& body, const SendLimits& limits,
                                                     std::int64_t now);

// Same, for a JSON value already parsed (one element of a batch); `prefix` goes
// before field names in errors ("messages[3].").
std::variant<SendRequest, ApiError> parseSendJson(const nlohmann::json& j, const SendLimits& limits,
                                                  std::int64_t now, const std::string& prefix = "");

// RFC 3339 date-time → Unix seconds; nullopt when malformed.
std::optional<std::int64_t> parseRfc3339(const std::string& s);

// Header names callers may not set through "headers".
bool isReservedHeader(const std::string& name);

}  // namespace v2v::gw
