// Email address parsing and validation (RFC 5321/5322 subset used for sending):
// "Name <local@domain>", bare "local@domain"; dot-atom local parts; domain names
// (IDN U-labels converted to A-labels with libidn2). Hostile input: bounded,
// CR/LF/NUL refused, no exceptions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace v2v {

struct Mailbox {
    std::string name;   // display name, UTF-8, may be empty
    std::string email;  // local@domain, domain in A-label (punycode) form
    std::string domain() const;
};

// Returns an error text ("" when valid) and fills `out`.
std::string parseMailbox(std::string_view text, Mailbox& out);
// Validates and normalises a bare address (domain lower-cased, IDN → punycode).
std::string normalizeAddress(std::string_view addr, std::string& out);
// True if the string holds CR, LF or NUL.
bool hasLineBreak(std::string_view s);

}  // namespace v2v
