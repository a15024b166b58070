// The outbound body pipeline: stages that rewrite the body (tracking links,
// issue 5) run in order before signing, in the same end-of-message pass, so
// the signature covers the final body and headers. A stage is a pure function
// of the message context, the headers and the body; it returns the new body
// (nullopt = unchanged) and header fields to set.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "headers.h"

namespace v2v::milter {

// What a stage may know about the message besides its headers and body.
struct OutboundContext {
    const HeaderList& internal;  // the internal (X-V2V-*) headers as received; removed from the mail
    std::string sender;          // envelope sender without angle brackets
    std::string authUser;        // SASL login, "" when not authenticated
    std::string queueId;
};

struct StageResult {
    std::optional<std::string> body;  // the new body (CRLF lines), nullopt = unchanged
    HeaderList setHeaders;            // fields to set: the first of that name changes, else one is added
    std::string note;                 // for the message's log line; "" = nothing to say
};

using BodyRewriter =
    std::function<StageResult(const OutboundContext& ctx, const HeaderList& headers, std::string_view body)>;

struct RewriteOutcome {
    bool bodyChanged = false;
    HeaderList headerEdits;  // to hand to the MTA, in order (set the first of that name, or add)
    std::string notes;       // joined stage notes
};

// Sets a field in a header list: replaces the first of that name, else appends.
inline void setHeaderField(HeaderList& h, const Header& field) {
    for (auto& x : h)
        if (iequals(x.name, field.name)) {
            x.value = field.value;
            return;
        }
    h.push_back(field);
}

// Runs every stage; `headers` and `body` become the final message.
inline RewriteOutcome rewriteBody(const std::vector<BodyRewriter>& stages, const OutboundContext& ctx,
                                  HeaderList& headers, std::string& body) {
    RewriteOutcome out;
    for (const auto& stage : stages) {
        StageResult r = stage(ctx, headers, body);
        if (r.body && *r.body != body) {
            out.bodyChanged = true;
            body = std::move(*r.body);
        }
        for (const auto& h : r.setHeaders) {
            setHeaderField(headers, h);
            out.headerEdits.push_back(h);
        }
        if (!r.note.empty()) out.notes += (out.notes.empty() ? "" : " ") + r.note;
    }
    return out;
}

}  // namespace v2v::milter
