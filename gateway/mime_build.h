// Builds the RFC 5322 message of a send request (GMime; mime_simple.h for the
// common case): multipart/alternative for text+html, multipart/related for
// inline images, multipart/mixed for attachments; RFC 2047 headers;
// quoted-printable / base64 only (7-bit safe, so DKIM signatures survive
// relays); CRLF line ends; lines <= 998.
#pragma once

#include <string>
#include <vector>

#include "send_request.h"

namespace v2v::gw {

struct BuiltHeaders {
    std::string message_id;  // without <>
    std::int64_t date = 0;   // Unix seconds for the Date header
    // Internal headers (X-V2V-...) for the milter; it strips them.
    std::vector<std::pair<std::string, std::string>> internal;
};

// The one entry point: the direct serializer of mime_simple.h for the common
// send (text and/or html, headers it encodes exactly), GMime for the rest.
// Pure (apart from GMime's global init): same input, same bytes out, except the
// random MIME boundaries.
std::string buildMessage(const SendRequest& r, const BuiltHeaders& h);

// The GMime builder alone (every message; the tests compare the two paths).
std::string buildMessageWithGMime(const SendRequest& r, const BuiltHeaders& h);

}  // namespace v2v::gw
