// One-click unsubscribe (RFC 8058), without HTTP: who a token unsubscribes,
// the suppression it makes, and the small HTML pages of the endpoint.
// GET shows a confirmation page whose button POSTs
// "List-Unsubscribe=One-Click" to the same URL (a link scanner's GET never
// unsubscribes anyone); POST, from that button or straight from a mailbox
// provider, suppresses the address for the client of the email.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db.h"
#include "tracking_token.h"

namespace v2v::gw {

struct UnsubscribeTarget {
    std::string email_id;
    int recipient = 0;
    std::string client_id;
    std::string address;       // the recipient
    std::string from_address;  // who sent the mail (shown on the page)
};

// The recipient a valid unsubscribe token names; nullopt when the email or
// the recipient is no longer in the database.
std::optional<UnsubscribeTarget> findUnsubscribeTarget(Db& db, const TrackingTarget& t);

// Suppresses the address for the client (reason "unsubscribed") and, the
// first time for this recipient, records an "unsubscribed" event and bumps
// the "unsubscribed" analytics counter. One transaction. Returns true when
// this call made the first unsubscribe of the recipient.
bool unsubscribe(Db& db, const UnsubscribeTarget& t, const std::string& ip, const std::string& userAgent,
                 const std::string& via, std::int64_t now);

// HTML pages (UTF-8, no script, one form).
std::string unsubscribeConfirmPage(const UnsubscribeTarget& t);
std::string unsubscribeDonePage(const UnsubscribeTarget& t);
std::string unsubscribeGonePage();  // valid link, but the email is gone
std::string unsubscribeInvalidPage();

// Escapes text for HTML element and attribute content.
std::string htmlEscape(const std::string& s);

}  // namespace v2v::gw
