// Header fields as the milter receives them, and the pure header rules:
// internal-header and forged Authentication-Results detection, the From
// domain, line-ending normalisation. Values are kept byte-exact (with the
// leading space, folding included) so signing sees what is transmitted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace v2v::milter {

struct Header {
    std::string name;
    std::string value;  // raw, after the colon: leading whitespace and folding kept
};
using HeaderList = std::vector<Header>;

// A header for the change-header reply: the index-th (1-based) field with this name.
struct HeaderRef {
    std::string name;
    int index = 0;
    bool operator==(const HeaderRef& o) const { return name == o.name && index == o.index; }
};

bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view s, std::string_view prefix);
std::string lower(std::string_view s);

// Every header whose name starts with `prefix` (case-insensitive), in
// descending index order per name so deleting them one by one is safe.
std::vector<HeaderRef> internalHeaders(const HeaderList& h, std::string_view prefix);

// The authserv-id of an Authentication-Results value (RFC 8601 section 2.2),
// lower-cased; nullopt when the value has none.
std::optional<std::string> authservIdOf(std::string_view value);

// Authentication-Results headers that claim to be ours (forgeries on inbound
// mail), in descending index order.
std::vector<HeaderRef> forgedAuthResults(const HeaderList& h, std::string_view authservId);

// The domain of the first mailbox of the single From header, lower-cased.
// nullopt when there is no From, more than one From, or no parseable address.
std::optional<std::string> fromDomain(const HeaderList& h);

// The address part of an angle-addr or addr-spec in `v` (comments and display
// names dropped); "" when none.
std::string firstAddress(std::string_view v);

// Bare LF and bare CR become CRLF (Postfix hands folded values with LF only).
std::string toCrlf(std::string_view s);

// "Name:value" with CRLF folding: the exact line a signer or verifier hashes.
std::string headerLine(const Header& h);

// The value of the first header with this name (raw), or nullopt.
std::optional<std::string> headerValue(const HeaderList& h, std::string_view name);

}  // namespace v2v::milter
