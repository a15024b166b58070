// Bounded MIME reading for bounce reports: split the message, parse its
// headers, decode transfer encodings and charsets, and flatten the MIME tree
// into one text the report readers scan line by line:
//   - text/plain parts: decoded to UTF-8; text/html: reduced to text;
//   - message/delivery-status (and -global-, x-), feedback-report: a line
//     "Content-Type: message/delivery-status" followed by the fields;
//   - message/rfc822 (global), text/rfc822-headers: a "Content-Type:" line and
//     the returned message as it is;
//   - other parts (images, attachments) are skipped.
// Limits: nesting depth, part count, line length and total output size.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message.h"

namespace v2v::bounce {

struct MimeLimits {
    std::size_t maxDepth = 8;
    std::size_t maxParts = 256;
    std::size_t maxLine = 8192;          // longer lines are cut
    std::size_t maxOutput = 16u << 20;   // flattened text cap
};

// Splits an mbox (input starting with a "From " separator line) into its
// messages; anything else is one message. Only "From " lines that look like
// mbox separators (sender, then an asctime date) after a blank line split.
std::vector<std::string_view> splitMbox(std::string_view raw);

// Normalises line ends (CRLF, lone CR) to LF and strips trailing blanks.
std::string normalizeLines(std::string_view raw);
// Parses a header block (unfolded, lower-case names, '>' quoting removed).
Headers parseHeaders(std::string_view block);
// Splits, parses and flattens one raw message. nullopt when there is no
// header/body separation at all.
std::optional<Report> readReport(std::string_view raw, const MimeLimits& limits = {});

std::string base64Decode(std::string_view in);
std::string quotedPrintableDecode(std::string_view in, bool header = false);
// Converts to UTF-8 from `charset`; on failure returns the input unchanged.
std::string toUtf8(std::string_view text, std::string_view charset);
// Decodes RFC 2047 encoded words ("=?utf-8?B?...?=") to UTF-8.
std::string decodeEncodedWords(std::string_view value);
bool hasEncodedWord(std::string_view value);
// A Content-Type parameter ("boundary", "charset"), unquoted; "" if absent.
std::string contentParam(std::string_view contentType, std::string_view name);

}  // namespace v2v::bounce
