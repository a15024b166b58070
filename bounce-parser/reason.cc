// Reason decision (see reason.h): first the code-and-command checks of each
// reason in a fixed order, then wording alone, then the status class, the
// action and the command. Order and checks follow Sisimai 4.25's Reason.
#include "reason.h"

#include "smtp.h"
#include "text.h"

namespace v2v::bounce {
namespace {

bool isOneOf(std::string_view v, std::initializer_list<std::string_view> set) {
    for (auto s : set)
        if (v == s) return true;
    return false;
}

// Each "true" check: does this reason apply, given codes, command and wording?
struct Checks {
    const Facts& f;
    std::string lowerDiag = lower(f.diagnostic);
    std::string named = statusReason(f.status);

    // Every wording rule evaluated once, in one pass over the text.
    std::uint64_t wording = reasonRuleBits(lowerDiag);

    bool is(std::string_view r) const { return f.reason == r; }
    bool m(std::string_view r) const { return ruleMatched(wording, r); }

    bool mailboxFull() const {
        if (f.status.empty()) return false;
        return is("mailboxfull") || named == "mailboxfull" || m("mailboxfull");
    }
    bool mesgTooBig() const {
        if (is("mesgtoobig") || named == "mesgtoobig") return true;
        if (named == "exceedlimit" || f.status == "5.2.3") return false;
        return m("mesgtoobig");
    }
    bool exceedLimit() const {
        if (f.status.empty()) return false;
        return is("exceedlimit") || named == "exceedlimit" || m("exceedlimit");
    }
    bool suspend() const { return !f.status.empty() && (is("suspend") || m("suspend")); }
    bool hasMoved() const { return is("hasmoved") || m("hasmoved"); }
    bool noRelaying() const {
        if (isOneOf(f.reason, {"securityerror", "systemerror", "undefined"})) return false;
        if (isOneOf(f.command, {"CONN", "EHLO", "HELO"})) return false;
        return m("norelaying");
    }
    bool userUnknown() const {
        if (is("userunknown")) return true;
        if (named == "suspend") return false;
        if (named == "userunknown") {
            for (auto other : {"norelaying", "blocked", "mailboxfull", "hasmoved", "rejected", "notaccept"})
                if (m(other)) return false;
            return true;
        }
        return f.command == "RCPT" && m("userunknown");
    }
    bool filtered() const {
        if (is("filtered")) return true;
        if (named == "suspend") return false;
        if (named == "filtered") return m("userunknown") || m("filtered");
        if (isOneOf(f.command, {"CONN", "EHLO", "HELO", "MAIL", "RCPT"})) return false;
        return m("filtered") || m("userunknown");
    }
    bool rejected() const {
        if (is("rejected")) return true;
        std::string temp = named.empty() ? "undefined" : named;
        if (temp == "rejected") return true;
        if (f.command == "MAIL") return m("rejected");
        if (f.command == "DATA") return temp != "userunknown" && m("rejected");
        if (isOneOf(temp, {"onhold", "undefined", "securityerror", "systemerror"})) return m("rejected");
        return false;
    }
    bool hostUnknown() const {
        if (is("hostunknown")) return true;
        if (named == "hostunknown") return !m("networkerror");
        return m("hostunknown");
    }
    bool spamDetected() const {
        if (f.status.empty()) return false;
        if (is("spamdetected") || named == "spamdetected") return true;
        if (isOneOf(f.command, {"CONN", "EHLO", "HELO", "MAIL", "RCPT"})) return false;
        return m("spamdetected");
    }
    bool tooManyConn() const { return is("toomanyconn") || named == "toomanyconn" || m("toomanyconn"); }
    bool blocked() const { return is("blocked") || named == "blocked" || m("blocked"); }
    bool syntaxError() const {
        if (is("syntaxerror")) return true;
        const std::string& r = f.replycode;
        return r.size() == 3 && (r[0] == '4' || r[0] == '5') && r[1] == '0' && r[2] >= '0' && r[2] <= '7';
    }

    // The first reason whose check passes, in the reference order.
    std::string byCodes() const {
        using Check = bool (Checks::*)() const;
        static const std::pair<const char*, Check> order[] = {
            {"mailboxfull", &Checks::mailboxFull}, {"mesgtoobig", &Checks::mesgTooBig},
            {"exceedlimit", &Checks::exceedLimit}, {"suspend", &Checks::suspend},
            {"hasmoved", &Checks::hasMoved},       {"norelaying", &Checks::noRelaying},
            {"userunknown", &Checks::userUnknown}, {"filtered", &Checks::filtered},
            {"rejected", &Checks::rejected},       {"hostunknown", &Checks::hostUnknown},
            {"spamdetected", &Checks::spamDetected}, {"toomanyconn", &Checks::tooManyConn},
            {"blocked", &Checks::blocked},
        };
        for (const auto& [name, check] : order)
            if ((this->*check)()) return name;
        return "";
    }

    // Fallback: wording alone, then the status class, the action, the command.
    std::string another() const {
        if (!f.reason.empty()) return f.reason;
        std::string r = named;
        bool tryToMatch = r.empty() || r == "expired" || isRetryReason(r) || f.spec != "SMTP";
        if (!tryToMatch) return r;
        static const char* wording[] = {"mailboxfull",   "spamdetected", "policyviolation", "virusdetected",
                                        "norelaying",    "securityerror", "systemerror",    "networkerror",
                                        "suspend",       "expired",       "contenterror",   "systemfull",
                                        "notaccept",     "mailererror"};
        for (const char* w : wording)
            if (m(w)) return w;
        if (!r.empty()) return r;
        std::string_view cls = std::string_view(f.status).substr(0, 3);
        if (cls == "5.6" || cls == "4.6") return "contenterror";
        if (cls == "5.7" || cls == "4.7") return "securityerror";
        if (f.spec == "X-UNIX" || f.spec == "X-POSTFIX") return "mailererror";
        if (syntaxError()) return "syntaxerror";
        if (startsWith(f.action, "delayed") || startsWith(f.action, "expired")) return "expired";
        if (f.command == "EHLO" || f.command == "HELO") return "blocked";
        return "";
    }
};

}  // namespace

bool isRetryReason(std::string_view r) {
    return isOneOf(r, {"undefined", "onhold", "systemerror", "securityerror", "networkerror", "hostunknown",
                       "userunknown"});
}

std::string decideReason(const Facts& f) {
    if (!isRetryReason(f.reason) && !f.reason.empty()) return f.reason;
    if (startsWith(f.status, "2.")) return "delivered";
    Checks c{f};
    std::string r;
    if (f.spec == "SMTP" || f.spec.empty()) r = c.byCodes();
    if (!r.empty()) return r;
    r = c.another();
    if (r == "undefined") r.clear();
    if (r.empty() && f.action == "delayed") r = "expired";
    if (!r.empty()) return r;
    if (c.m("vacation")) return "vacation";
    return f.diagnostic.empty() ? "undefined" : "onhold";
}

}  // namespace v2v::bounce
