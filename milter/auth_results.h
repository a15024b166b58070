// Authentication-Results (RFC 8601) formatting for the DKIM and SPF results
// of an inbound message. Pure: the caller adds the header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace v2v::milter {

// One verified (or failed) DKIM signature.
struct DkimResult {
    std::string result;     // pass | fail | neutral | policy | temperror | permerror
    std::string domain;     // d=
    std::string selector;   // s=
    std::string algorithm;  // a=
    std::string bPrefix;    // leading characters of b= (RFC 6008 header.b)
    std::string reason;     // why not pass; "" when passed
};

// One SPF check: identity "mailfrom" or "helo".
struct SpfOutcome {
    std::string result;    // pass | fail | softfail | neutral | none | temperror | permerror
    std::string identity;  // mailfrom | helo
    std::string subject;   // the checked mailbox (mailfrom) or host name (helo)
};

struct AuthResults {
    bool dkimChecked = false;  // false: no dkim= clause at all
    std::vector<DkimResult> dkim;
    std::vector<SpfOutcome> spf;
};

// The header value, starting with a space, folded with "\n\t" between clauses:
//   " mx.example; dkim=pass header.d=a.test header.s=s1 header.a=rsa-sha256 header.b=AbCd1234;\n\tspf=pass smtp.mailfrom=u@a.test"
// "none" when nothing was checked. Hostile parts are quoted or reduced to safe text.
std::string formatAuthResults(std::string_view authservId, const AuthResults& r);

// RFC 2045 token, or a quoted-string with control characters removed.
std::string arValue(std::string_view v);
// smtp.mailfrom / smtp.helo values: an address (local-part quoted when needed) or a token.
std::string arMailbox(std::string_view v);

}  // namespace v2v::milter
