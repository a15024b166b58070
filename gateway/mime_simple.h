// A direct serializer for the common send: text and/or html, no attachments,
// header values it is sure to encode exactly. Writes the same headers in the
// same order as the GMime builder (mime_build.cc), UTF-8 kept as it is (bodies
// charset=utf-8; non-ASCII header text and display names as RFC 2047 UTF-8 Q
// words), quoted-printable bodies (7-bit, lines <= 76), CRLF only, header lines
// folded (<= 78 where a fold point allows, never > 998). Anything else: GMime.
#pragma once

#include <string>

#include "mime_build.h"
#include "send_request.h"

namespace v2v::gw {

// True when buildSimpleMessage() can write this message: no attachments, and
// every address, display name, subject and header name/value within the forms
// it encodes (see mime_simple.cc for the list).
bool simpleMessagePossible(const SendRequest& r, const BuiltHeaders& h);

// The message bytes; throws std::invalid_argument when !simpleMessagePossible().
// The multipart boundary is random and holds "=_", which QP output cannot.
std::string buildSimpleMessage(const SendRequest& r, const BuiltHeaders& h);
// The same without the check, for a caller that has just made it
// (buildMessage): simpleMessagePossible(r, h) must hold.
std::string writeSimpleMessage(const SendRequest& r, const BuiltHeaders& h);

// Quoted-printable of `text` as GMime writes a text part: "\n" and "\r\n" are
// line breaks (written CRLF), a lone CR is "=0D", space/tab before a break or
// at the end are encoded, lines <= 76 with soft breaks. Appends to `out`.
void appendQuotedPrintable(std::string& out, const std::string& text);

}  // namespace v2v::gw
