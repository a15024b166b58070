// Strict content-transfer-encoding codecs for the tracking rewrite: decoding
// refuses anything a faithful re-encoding could not reproduce (so a broken
// part is left as it was), encoding is 7-bit safe with CRLF line ends.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace v2v::milter {

// Quoted-printable (RFC 2045 section 6.7). Accepts =XX (either case) and soft
// line breaks (with transport padding before the line end); nullopt for any
// other '='. Other bytes are taken as they are.
std::optional<std::string> decodeQuotedPrintable(std::string_view in);

// Lines of at most 76 characters; CRLF (or a bare LF) in the input is a hard
// line break, written as CRLF; '=', controls, 8-bit bytes and whitespace
// before a line end are encoded.
std::string encodeQuotedPrintable(std::string_view in);

// Base64 with whitespace between groups; nullopt for other characters or bad padding.
std::optional<std::string> decodeBase64(std::string_view in);

// Lines of 76 characters joined by CRLF; a final CRLF when `finalBreak`.
std::string encodeBase64(std::string_view in, bool finalBreak);

}  // namespace v2v::milter
