// What an SPF result does to the SMTP transaction (RFC 7372 codes):
// fail → 550 5.7.23 or tag; temperror → 451 4.7.24 or tag; permerror →
// 550 5.7.24, 451 4.7.24 or tag; softfail → 550 5.7.23 or tag. Pure.
#pragma once

#include <string>

#include "config.h"
#include "spf.h"

namespace v2v::milter {

struct SpfVerdict {
    enum class Action { accept, reject, tempfail } action = Action::accept;
    std::string rcode, xcode, text;  // the SMTP reply when not accepted
};

// `domain` is the checked domain and `client` the client IP, for the reply
// text; `explanation` is the sanitised SPF explanation (may be empty).
SpfVerdict spfVerdict(SpfResult r, const MilterSpfConfig& cfg, const std::string& domain,
                      const std::string& client, const std::string& explanation);

// Text safe for an SMTP reply through the milter protocol: printable ASCII, no '%'.
std::string replySafe(const std::string& s, std::size_t max = 200);

}  // namespace v2v::milter
