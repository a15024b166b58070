// The tracking rewrite of a whole message: GMime parses the MIME tree; every
// text/html part (and, when asked, text/plain) that is not an attachment, not
// inside message/rfc822 and not under multipart/signed or /encrypted is
// decoded (transfer encoding, then charset to UTF-8), rewritten
// (tracking_html.h), converted back to its charset and re-encoded 7-bit safe:
// base64 stays base64, everything else becomes quoted-printable. Only those
// parts' bytes (and their Content-Transfer-Encoding header) change: the rest
// of the message is copied byte for byte. Malformed MIME, an unknown charset,
// a broken encoding or any other surprise leaves the message unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "headers.h"
#include "tracking_html.h"

namespace v2v::milter {

struct MimeLimits {
    std::size_t maxBytes = 10 * 1024 * 1024;  // larger messages are not rewritten
    int maxDepth = 20;                         // multipart nesting
    int maxParts = 500;                        // MIME entities in the message
    bool textLinks = false;                    // also rewrite URLs in text/plain parts
};

enum class MimeOutcome { unchanged, rewritten, failed };

struct MimeRewrite {
    MimeOutcome outcome = MimeOutcome::unchanged;
    std::string body;         // the new body, when rewritten
    HeaderList topHeaders;    // message header fields to set (value with its leading space)
    std::string reason;       // failed: why (for the log and the counters)
    int links = 0;            // links rewritten
    bool pixel = false;       // a pixel was inserted
    int parts = 0;            // parts rewritten
};

// `headers` and `body` as the milter holds them (body with CRLF line ends).
MimeRewrite rewriteMime(const HeaderList& headers, std::string_view body, const LinkPolicy& policy,
                        const MimeLimits& limits);

}  // namespace v2v::milter
