// Pure SMTP client-side protocol pieces: reply parsing (multi-line, enhanced
// status codes), EHLO capabilities, DSN parameters (RFC 3461 xtext), dot-stuffing.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace v2v::gw {

struct SmtpReply {
    int code = 0;          // 0 = no reply (connection trouble)
    std::string enhanced;  // "5.1.1" when present
    std::string text;      // all lines joined with " / ", codes stripped
    std::vector<std::string> lines;  // each line's text, codes stripped
    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code == 0 || (code >= 400 && code < 500); }
    bool permanent() const { return code >= 500; }
    std::string str() const;  // "550 5.1.1 text"
};

// Accumulates lines of one reply; returns the reply when its last line arrived.
class ReplyParser {
public:
    // `line` without CRLF. Throws std::runtime_error on a malformed line.
    std::optional<SmtpReply> feed(std::string_view line);

private:
    SmtpReply cur_;
    bool started_ = false;
};

// Upper-cased EHLO keywords ("PIPELINING", "DSN", "SIZE", ...).
std::set<std::string> ehloKeywords(const SmtpReply& ehlo);

// RFC 3461 xtext encoding (ORCPT / ENVID values).
std::string xtext(std::string_view s);

// Message as the DATA payload: CRLF line ends, leading dots doubled, ending in CRLF.CRLF.
std::string dotStuff(std::string_view message);

}  // namespace v2v::gw
