// SPF result → SMTP reply (see spf_policy.h).
#include "spf_policy.h"

namespace v2v::milter {

std::string replySafe(const std::string& s, std::size_t max) {
    std::string out;
    for (char c : s) {
        if (out.size() >= max) break;
        unsigned char u = static_cast<unsigned char>(c);
        if (u >= 32 && u < 127 && c != '%') out += c;
    }
    return out;
}

SpfVerdict spfVerdict(SpfResult r, const MilterSpfConfig& cfg, const std::string& domain,
                      const std::string& client, const std::string& explanation) {
    SpfVerdict v;
    std::string d = replySafe(domain, 100), ip = replySafe(client, 64);
    auto reject = [&](const char* xcode, const std::string& text) {
        v.action = SpfVerdict::Action::reject;
        v.rcode = "550";
        v.xcode = xcode;
        v.text = text;
    };
    auto tempfail = [&](const std::string& text) {
        v.action = SpfVerdict::Action::tempfail;
        v.rcode = "451";
        v.xcode = "4.7.24";
        v.text = text;
    };
    switch (r) {
        case SpfResult::fail:
            if (cfg.fail_action == "reject") {
                std::string text = "SPF validation failed: " + d + " does not allow " + ip + " to send";
                if (!explanation.empty()) text += " (" + replySafe(explanation, 120) + ")";
                reject("5.7.23", text);
            }
            break;
        case SpfResult::softfail:
            if (cfg.softfail_action == "reject")
                reject("5.7.23", "SPF validation failed: " + d + " discourages mail from " + ip);
            break;
        case SpfResult::temperror:
            if (cfg.temperror_action == "tempfail")
                tempfail("SPF validation error: temporary DNS failure for " + d + "; try again later");
            break;
        case SpfResult::permerror:
            if (cfg.permerror_action == "reject")
                reject("5.7.24", "SPF validation error: the SPF record of " + d + " is invalid");
            else if (cfg.permerror_action == "tempfail")
                tempfail("SPF validation error: the SPF record of " + d + " is invalid");
            break;
        default:
            break;
    }
    return v;
}

}  // namespace v2v::milter
