// E-mail address helpers for report text: pull addresses out of header values
// and free text ("Name <a@b>", comments, quotes), validate them, recognise the
// mailer-daemon, and the hosts named in a Received: header. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace v2v::bounce {

struct FoundAddress {
    std::string address;
    std::string name;
    std::string comment;
};

// Every address in a header value or text fragment, in order.
std::vector<FoundAddress> findAddresses(std::string_view text);
// The first address found, or the input unchanged when none is found.
std::string firstAddress(std::string_view text);
bool isEmailAddress(std::string_view s);
bool isMailerDaemon(std::string_view s);
// Normalises a recipient the way the reference parser stores it: strips a
// leading '<' and trailing '>' ',' '.' ';'. Empty if it is not an address.
std::string cleanRecipient(std::string_view s);
// [from-host, by-host] of a Received: header value (empty on qmail "invoked" lines).
std::vector<std::string> receivedHosts(std::string_view received);

}  // namespace v2v::bounce
