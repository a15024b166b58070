// Remote-host specific reason tables: some providers explain refusals with
// their own codes or fixed wording. Chosen by the remote MTA's host name (or
// the recipient's domain). Tables from Sisimai 4.25's Rhost classes
// (BSD-2-Clause, (c) azumakuniyuki).
#include <cstdlib>
#include <string_view>
#include <unordered_map>

#include "reason.h"
#include "pattern.h"
#include "smtp.h"
#include "text.h"

namespace v2v::bounce {
namespace {

struct ExoRow {
    const char* reason;
    const char* status;  // exact code, or a prefix when lo != hi
    int lo, hi;          // range of the last status component
    const char* text;
};

const ExoRow kExchangeOnlineRows[] = {
    {"blocked", "4.4.2", 0, 0, "connection dropped"},
    {"blocked", "4.7.", 850, 899, "access denied, please try again later"},
    {"blocked", "5.7.25", 0, 0, "must have a reverse dns record"},
    {"blocked", "5.7.506", 0, 0, "access denied, bad helo"},
    {"blocked", "5.7.507", 0, 0, "access denied, rejected by recipient"},
    {"blocked", "5.7.510", 0, 0, "does not accept email over ipv6"},
    {"blocked", "5.7.511", 0, 0, "access denied, banned sender"},
    {"blocked", "5.7.513", 0, 0, "using customer block list"},
    {"blocked", "5.7.", 606, 649, "access denied, banned sending ip "},
    {"blocked", "4.7.", 500, 699, "access denied, please try again later"},
    {"blocked", "5.5.4", 0, 0, "invalid domain name"},
    {"blocked", "5.7.51", 0, 0, "restrictdomainstoipaddresses or restrictdomainstocertificate"},
    {"blocked", "5.7.1", 0, 0, "part of their network is on our block list (s3150)"},
    {"blocked", "4.7.26", 0, 0, "must pass either spf or dkim validation, this message is not signed"},
    {"blocked", "4.7.323", 0, 0, "tlsa-invalid: The domain failed dane validation"},
    {"blocked", "5.7.323", 0, 0, "tlsa-invalid: The domain failed dane validation"},
    {"blocked", "4.7.324", 0, 0, "dnssec-invalid: destination domain returned invalid dnssec records"},
    {"blocked", "5.7.324", 0, 0, "dnssec-invalid: destination domain returned invalid dnssec records"},
    {"blocked", "4.7.325", 0, 0, "certificate-host-mismatch: remote certificate must have a common name or subject alternative name matching the hostname (dane)"},
    {"blocked", "5.7.325", 0, 0, "certificate-host-mismatch: remote certificate must have a common name or subject alternative name matching the hostname (dane)"},
    {"blocked", "5.7.23", 0, 0, "the message was rejected because of sender policy framework violation"},
    {"blocked", "5.7.322", 0, 0, "certificate-expired: destination mail server's certificate is expired"},
    {"blocked", "5.7.509", 0, 0, "does not pass dmarc verification"},
    {"blocked", "4.7.650", 0, 0, "has been temporarily rate limited due to ip reputation"},
    {"contenterror", "5.3.0", 0, 0, "too many related errors"},
    {"contenterror", "5.6.11", 0, 0, "invalid characters"},
    {"contenterror", "5.4.11", 0, 0, "agent generated message depth exceeded"},
    {"contenterror", "5.5.6", 0, 0, "invalid message content"},
    {"exceedlimit", "5.2.3", 0, 0, "resolver.rst.recipsizelimit; message too large for this recipient"},
    {"expired", "4.4.1", 0, 0, "connection timed out"},
    {"expired", "4.4.7", 0, 0, "message delayed"},
    {"expired", "4.4.7", 0, 0, "queue expired; message expired"},
    {"expired", "4.4.7", 0, 0, "message expired"},
    {"expired", "5.4.300", 0, 0, "message expired"},
    {"mailboxfull", "5.2.2", 0, 0, "mailbox full"},
    {"mesgtoobig", "5.3.4", 0, 0, "message size exceeds fixed maximum message size"},
    {"mesgtoobig", "5.3.4", 0, 0, "message too big for system"},
    {"networkerror", "5.4.4", 0, 0, "smtpsend.dns.nonexistentdomain; nonexistent domain"},
    {"networkerror", "5.4.6", 0, 0, "hop count exceeded - possible mail loop"},
    {"networkerror", "4.4.316", 0, 0, "connection refused"},
    {"networkerror", "5.4.4", 0, 0, "invalid arguments"},
    {"networkerror", "5.4.6", 0, 0, "routing loop detected"},
    {"networkerror", "5.4.14", 0, 0, "routing loop detected"},
    {"norelaying", "5.7.1", 0, 0, "unable to relay"},
    {"norelaying", "5.7.1", 0, 0, "client was not authenticated"},
    {"norelaying", "5.4.1", 0, 0, "relay access denied"},
    {"norelaying", "5.7.1", 0, 0, "unable to relay"},
    {"norelaying", "5.7.64", 0, 0, "tenantattribution; relay access denied"},
    {"norelaying", "5.4.310", 0, 0, "does not exist"},
    {"notaccept", "4.3.2", 0, 0, "system not accepting network messages"},
    {"notaccept", "5.3.2", 0, 0, "storedrv.deliver: missing or bad storedriver mdb properties"},
    {"policyviolation", "5.0.350", 0, 0, "x-dg-ref header is too long"},
    {"policyviolation", "5.0.350", 0, 0, "requested action not taken: policy violation detected (as345)"},
    {"policyviolation", "5.7.", 900, 999, "delivery not authorized, message refused"},
    {"rejected", "5.1.7", 0, 0, "invalid address"},
    {"rejected", "5.1.7", 0, 0, "unknown sender address"},
    {"rejected", "5.1.0", 0, 0, "sender denied"},
    {"rejected", "5.1.8", 0, 0, "access denied, bad outbound sender"},
    {"rejected", "5.7.1", 0, 0, "delivery not authorized"},
    {"rejected", "5.7.12", 0, 0, "sender was not authenticated by organization"},
    {"rejected", "5.7.124", 0, 0, "sender not in allowed-senders list"},
    {"rejected", "5.7.133", 0, 0, "sender not authenticated for group"},
    {"rejected", "5.7.134", 0, 0, "sender was not authenticated for mailbox"},
    {"rejected", "5.7.13", 0, 0, "sender was not authenticated for public folder"},
    {"rejected", "5.7.135", 0, 0, "sender was not authenticated for public folder"},
    {"rejected", "5.7.136", 0, 0, "sender was not authenticated"},
    {"rejected", "5.7.", 501, 503, "access denied, spam abuse detected"},
    {"rejected", "5.7.512", 0, 0, "access denied, message must be rfc 5322 section 3.6.2 compliant"},
    {"rejected", "5.7.750", 0, 0, "service unavailable. client blocked from sending from unregistered domains"},
    {"rejected", "5.7.", 501, 503, "access denied, banned sender"},
    {"securityerror", "5.7.3", 0, 0, "cannot achieve exchange server authentication"},
    {"securityerror", "5.7.3", 0, 0, "not authorized"},
    {"securityerror", "4.7.321", 0, 0, "starttls-not-supported: destination mail server must support tls to receive mail"},
    {"securityerror", "5.7.321", 0, 0, "starttls-not-supported: destination mail server must support tls to receive mail"},
    {"securityerror", "5.7.1", 0, 0, "client was not authenticated"},
    {"securityerror", "5.7.57", 0, 0, "client was not authenticated to send anonymous mail during mail from"},
    {"spamdetected", "5.2.1", 0, 0, "content filter agent quarantined this message"},
    {"suspend", "5.7.504", 0, 0, "recipient address rejected: access denied"},
    {"suspend", "5.7.505", 0, 0, "access denied, banned recipient"},
    {"suspend", "5.2.1", 0, 0, "mailbox cannot be accessed"},
    {"syntaxerror", "5.3.3", 0, 0, "unrecognized command"},
    {"syntaxerror", "5.5.2", 0, 0, "send hello first"},
    {"systemerror", "4.3.2", 0, 0, "service not available"},
    {"systemerror", "4.3.2", 0, 0, "service not active"},
    {"systemerror", "5.3.5", 0, 0, "system incorrectly configured"},
    {"systemerror", "5.3.190", 0, 0, "journaling on-premises messages to microsoft 365 or office 365 not supported when journaling archive is disabled"},
    {"systemerror", "5.0.0", 0, 0, "helo / ehlo requires domain address"},
    {"systemerror", "5.1.4", 0, 0, "destination mailbox address ambiguous"},
    {"systemerror", "5.2.4", 0, 0, "mailing list expansion problem"},
    {"systemerror", "5.2.14", 0, 0, "misconfigured forwarding address"},
    {"systemerror", "4.4.3", 0, 0, "temporary server error. please try again later attr18"},
    {"systemerror", "4.7.0", 0, 0, "temporary server error. please try again later. prx4 nexthop:"},
    {"systemerror", "4.4.24", 0, 0, "message failed to be replicated: insufficient system resource:"},
    {"systemerror", "4.4.25", 0, 0, "message failed to be replicated: no healthy secondary server available to accept replica at this time."},
    {"systemerror", "4.4.28", 0, 0, "message failed to be replicated: the operation was canceled"},
    {"systemerror", "4.7.500", 0, 0, "server busy. please try again later from "},
    {"systemerror", "4.7.700", 0, 0, "pfa agent busy, please try again."},
    {"systemfull", "4.3.1", 0, 0, "insufficient system resources"},
    {"toomanyconn", "5.5.3", 0, 0, "too many recipients"},
    {"toomanyconn", "4.5.3", 0, 0, "too many recipients"},
    {"toomanyconn", "5.2.122", 0, 0, "the recipient has exceeded their limit for"},
    {"toomanyconn", "4.3.2", 0, 0, "storedrv.deliver; recipient thread limit exceeded"},
    {"toomanyconn", "5.1.90", 0, 0, "your message can't be sent because you've reached your daily limit for message recipients"},
    {"toomanyconn", "5.2.2", 0, 0, "submission quota exceeded"},
    {"toomanyconn", "5.2.121", 0, 0, "recipient's per hour message receive limit from specific sender exceeded"},
    {"toomanyconn", "5.2.122", 0, 0, "recipient's per hour message receive limit exceeded"},
    {"toomanyconn", "5.7.508", 0, 0, "has exceeded permitted limits within"},
    {"toomanyconn", "5.7.", 700, 749, "access denied, tenant has exceeded threshold"},
    {"toomanyconn", "5.7.", 700, 749, "access denied, traffic not accepted from this ip"},
    {"userunknown", "5.1.1", 0, 0, "resolver.adr.exrecipnotfound; not found"},
    {"userunknown", "5.1.1", 0, 0, "user unknown"},
    {"userunknown", "5.1.3", 0, 0, "storedrv.submit; invalid recipient address"},
    {"userunknown", "5.1.", 4, 5, "recipient address reserved by rfc 2606"},
    {"userunknown", "5.1.6", 0, 0, "recipient addresses in single label domains not accepted"},
    {"userunknown", "5.1.1", 0, 0, "bad destination mailbox address"},
    {"userunknown", "5.1.10", 0, 0, "recipient not found"},
    {"userunknown", "5.4.1", 0, 0, "recipient address rejected: access denied"},
    {"userunknown", "5.5.0", 0, 0, "requested action not taken: mailbox unavailable"},
    {"userunknown", "5.1.2", 0, 0, "invalid x.400 address"},
};

std::string exchangeOnline(const Facts& f) {
    if (!f.reason.empty()) return f.reason;
    if (f.diagnostic.empty() || f.status.empty()) return "";
    static const Regex valid(R"(\A[245][.]\d[.]\d+\z)");
    if (!valid.test(f.status)) return "";
    std::string t = lower(f.diagnostic);
    int third = std::atoi(f.status.substr(f.status.rfind('.') + 1).c_str());
    for (const auto& r : kExchangeOnlineRows) {
        if (r.lo == r.hi) {
            if (f.status != r.status) continue;
        } else {
            if (!contains(f.status, r.status) || third < r.lo || third > r.hi) continue;
        }
        if (contains(t, r.text)) return r.reason;
    }
    return "";
}

struct GoogleRow {
    const char* reason;
    const char* reply;
    const char* status;
    const char* text;
};

const GoogleRow kGoogleAppsRows[] = {
    {"blocked", "421", "4.7.0", "ip not in whitelist for rcpt domain, closing connection."},
    {"blocked", "421", "4.7.0", "our system has detected an unusual rate of unsolicited mail originating from your ip address"},
    {"blocked", "421", "4.7.0", "try again later, closing connection."},
    {"blocked", "501", "5.5.4", "helo/ehlo argument is invalid"},
    {"blocked", "550", "5.7.1", "our system has detected an unusual rate of unsolicited mail originating from your ip address"},
    {"blocked", "550", "5.7.1", "the ip you're using to send mail is not authorized to send email directly to our servers"},
    {"blocked", "550", "5.7.25", "the ip address sending this message does not have a ptr record setup"},
    {"blocked", "550", "5.7.26", "is not accepted due to domain's dmarc policy"},
    {"blocked", "550", "5.7.1", "fails to pass authentication checks"},
    {"blocked", "550", "5.7.26", "fails to pass authentication checks"},
    {"blocked", "550", "5.7.26", "this message fails to pass spf checks for an spf record with a hard fail"},
    {"blocked", "550", "5.7.1", "this message is likely suspicious due to the very low reputation of the sending ip address"},
    {"contenterror", "554", "5.6.0", "mail message is malformed. Not accepted"},
    {"exceedlimit", "552", "5.2.3", "your message exceeded Google's message size limits"},
    {"expired", "451", "4.4.2", "timeout - closing connection"},
    {"mailboxfull", "452", "4.2.2", "the email account that you tried to reach is over quota"},
    {"mailboxfull", "552", "5.2.2", "the email account that you tried to reach is over quota"},
    {"mailboxfull", "550", "5.7.1", "email quota exceeded"},
    {"networkerror", "554", "5.6.0", "message exceeded 50 hops, this may indicate a mail loop"},
    {"norelaying", "550", "5.7.0", "mail relay denied"},
    {"policyviolation", "550", "5.7.1", "messages with multiple addresses in from: header are not accepted"},
    {"policyviolation", "550", "5.7.1", "the user or domain that you are sending to (or from) has a policy that prohibited"},
    {"policyviolation", "552", "5.7.0", "our system detected an illegal attachment on your message"},
    {"policyviolation", "552", "5.7.0", "this message was blocked because its content presents a potential security issue"},
    {"rejected", "550", "5.7.0", "mail sending denied"},
    {"rejected", "550", "5.7.1", "unauthenticated email is not accepted from this domain"},
    {"securityerror", "421", "4.7.0", "tls required for rcpt domain, closing connection"},
    {"securityerror", "501", "5.5.2", "cannot decode response"},
    {"securityerror", "530", "5.5.1", "authentication required."},
    {"securityerror", "535", "5.7.1", "application-specific password required"},
    {"securityerror", "535", "5.7.1", "please log in with your web browser and then try again"},
    {"securityerror", "535", "5.7.1", "username and password not accepted"},
    {"securityerror", "550", "5.7.1", "invalid credentials for relay"},
    {"spamdetected", "550", "5.7.1", "our system has detected that this message is likely unsolicited mail"},
    {"suspend", "550", "5.2.1", "the email account that you tried to reach is disabled"},
    {"syntaxerror", "451", "4.5.0", "smtp protocol violation, visit rfc 2821"},
    {"syntaxerror", "454", "4.5.0", "smtp protocol violation, no commands allowed to pipeline after starttls"},
    {"syntaxerror", "454", "5.5.1", "starttls may not be repeated"},
    {"syntaxerror", "502", "5.5.1", "too many unrecognized commands, goodbye"},
    {"syntaxerror", "502", "5.5.1", "unimplemented command"},
    {"syntaxerror", "502", "5.5.1", "unrecognized command"},
    {"syntaxerror", "503", "5.5.1", "ehlo/helo first"},
    {"syntaxerror", "503", "5.5.1", "mail first"},
    {"syntaxerror", "503", "5.5.1", "rcpt first"},
    {"syntaxerror", "503", "5.7.0", "no identity changes permitted"},
    {"syntaxerror", "504", "5.7.4", "unrecognized authentication type"},
    {"syntaxerror", "530", "5.7.0", "must issue a starttls command first"},
    {"syntaxerror", "535", "5.5.4", "optional argument not permitted for that auth mode"},
    {"syntaxerror", "554", "5.7.0", "too many unauthenticated commands"},
    {"syntaxerror", "555", "5.5.2", "syntax error"},
    {"systemerror", "421", "4.3.0", "temporary system problem"},
    {"systemerror", "421", "4.7.0", "temporary system problem"},
    {"systemerror", "421", "4.4.5", "server busy"},
    {"systemerror", "451", "4.3.0", "mail server temporarily rejected message"},
    {"systemerror", "454", "4.7.0", "cannot authenticate due to temporary system problem"},
    {"systemerror", "452", "4.5.3", "domain policy size per transaction exceeded"},
    {"toomanyconn", "451", "4.3.0", "multiple destination domains per transaction is unsupported"},
    {"toomanyconn", "452", "4.5.3", "your message has too many recipients"},
    {"toomanyconn", "450", "4.2.1", "is receiving mail too quickly"},
    {"toomanyconn", "450", "4.2.1", "is receiving mail at a rate that prevents additional messages from being delivered"},
    {"toomanyconn", "550", "5.2.1", "is receiving mail at a rate that prevents additional messages from being delivered"},
    {"toomanyconn", "450", "4.2.1", "peak smtp relay limit exceeded for customer"},
    {"toomanyconn", "550", "5.4.5", "daily smtp relay limit exceeded for user"},
    {"toomanyconn", "550", "5.4.5", "daily sending quota exceeded"},
    {"toomanyconn", "550", "5.7.1", "daily smtp relay limit exceeded for customer"},
    {"userunknown", "550", "5.1.1", "the email account that you tried to reach does not exist"},
    {"userunknown", "553", "5.1.2", "we weren't able to find the recipient domain"},
};

std::string googleApps(const Facts& f) {
    if (!f.reason.empty()) return f.reason;
    if (f.replycode.empty() || f.diagnostic.empty() || f.status.empty()) return "";
    static const Regex valid(R"(\A[245][.]\d[.]\d+\z)");
    if (!valid.test(f.status)) return "";
    // The reference compares the last two digits of the reply code and the
    // status without its class digit as substrings of the table entries.
    std::string statusTail = f.status.substr(std::min<std::size_t>(2, f.status.size()));
    std::string replyTail = f.replycode.substr(1, 2);
    std::string t = lower(f.diagnostic);
    for (const auto& r : kGoogleAppsRows) {
        if (!contains(t, r.text)) continue;
        std::string_view reply(r.reply), status(r.status);
        std::size_t a = reply.find(replyTail), b = status.find(statusTail);
        if (a == std::string_view::npos || a == 0 || b == std::string_view::npos || b <= 1) continue;
        return r.reason;
    }
    return "";
}

struct MimecastRow {
    const char* reason;
    int reply;
    const char* text;
};

std::string mimecast(const Facts& f) {
    static const Regex reply(R"(\A[245]\d\d\z)");
    if (f.diagnostic.empty() || !reply.test(f.replycode)) return "";
    static const MimecastRow rows[] = {
        {"blocked", 421, "sender address blocked"},
        {"blocked", 451, "recipient temporarily unavailable"},
        {"blocked", 451, "ip temporarily blacklisted"},
        {"blocked", 451, "internal resources are temporarily unavailable"},
        {"blocked", 550, "local ct ip reputation - (reject)"},
        {"blocked", 550, "spf sender invalid - envelope rejected"},
        {"blocked", 550, "dkim sender invalid - envelope rejected"},
        {"blocked", 550, "dmarc sender invalid - envelope rejected"},
        {"mesgtoobig", 554, "maximum email size exceeded"},
        {"networkerror", 554, "mail loop detected"},
        {"norelaying", 451, "open relay not allowed"},
        {"notaccept", 451, "account inbounds disabled"},
        {"onhold", 451, "account outbounds disabled"},
        {"onhold", 451, "hostname is not authorized"},
        {"onhold", 550, "journal message past expiration"},
        {"policyviolation", 550, "anti-spoofing policy - inbound not allowed"},
        {"policyviolation", 550, "rejected by header-based anti-spoofing policy"},
        {"policyviolation", 550, "message bounced due to content examination policy"},
        {"policyviolation", 554, "host network not allowed"},
        {"rejected", 550, "administrative prohibition envelope blocked"},
        {"rejected", 550, "envelope blocked – user entry"},
        {"rejected", 550, "envelope blocked – user domain entry"},
        {"rejected", 550, "rejected by header-based manually blocked senders - block for manual block"},
        {"rejected", 550, "rejected by header-based blocked senders - block policy for header from"},
        {"rejected", 550, "envelope rejected - block policy for envelope from address"},
        {"securityerror", 535, "incorrect authentication data"},
        {"securityerror", 550, "submitter failed to disabled"},
        {"securityerror", 553, "this route requires encryption (tls)"},
        {"securityerror", 553, "this route requires tls version 1.2 or greater"},
        {"securityerror", 553, "this route requires high-strength ciphers"},
        {"securityerror", 554, "configuration is invalid for this certificate"},
        {"systemerror", 451, "unable to process connection at this time"},
        {"systemerror", 451, "message ended early"},
        {"systemerror", 451, "unable to process command"},
        {"systemerror", 451, "unable to process an email at this time"},
        {"toomanyconn", 451, "account service is temporarily unavailable"},
        {"toomanyconn", 452, "too many recipients"},
        {"toomanyconn", 550, "exceeding outbound thread limit"},
        {"userunknown", 501, "invalid address"},
        {"userunknown", 503, "user unknown"},
        {"userunknown", 550, "invalid recipient"},
        {"virusdetected", 554, "email rejected due to security policies"},
    };
    int code = std::atoi(f.replycode.c_str());
    std::string t = lower(f.diagnostic);
    for (const auto& r : rows)
        if (code == r.reply && contains(t, r.text)) return r.reason;
    return "";
}

std::string cox(const Facts& f) {
    static const std::unordered_map<std::string_view, const char*> codes = {
        {"CXBL", "blocked"},       {"CXTHRT", "securityerror"}, {"CXMJ", "securityerror"},
        {"CXDNS", "blocked"},      {"CXSNDR", "rejected"},      {"CXSMTP", "rejected"},
        {"CXCNCT", "toomanyconn"}, {"CXMXRT", "toomanyconn"},   {"CDRBL", "blocked"},
        {"IPBL0001", "blocked"},   {"IPBL0010", "blocked"},     {"IPBL0100", "blocked"},
        {"IPBL0011", "blocked"},   {"IPBL0101", "blocked"},     {"IPBL0110", "blocked"},
        {"IPBL0111", "blocked"},   {"IPBL1000", "blocked"},     {"IPBL1001", "blocked"},
        {"IPBL1010", "blocked"},   {"IPBL1011", "blocked"},     {"IPBL1100", "blocked"},
        {"IPBL1101", "blocked"},   {"IPBL1110", "blocked"},     {"IPBL1111", "blocked"},
        {"IPBL00001", "blocked"},  {"URLBL011", "spamdetected"}, {"URLBL101", "spamdetected"},
        {"URLBL110", "spamdetected"}, {"URLBL1001", "spamdetected"},
    };
    static const std::pair<const char*, const char*> phrases[] = {
        {"blocked", "rejected - no rDNS"},
        {"blocked", "cox too many bad commands from"},
        {"blocked", "DNS check failure - try again later"},
        {"blocked", "Too many invalid recipients"},
        {"notaccept", "ESMTP server temporarily not available"},
        {"policyviolation", "ESMTP no data before greeting"},
        {"policyviolation", "attachment extension is forbidden"},
        {"rejected", "sender rejected"},
        {"toomanyconn", "too many sessions from"},
        {"toomanyconn", "requested action aborted: try again later"},
        {"toomanyconn", "Message threshold exceeded"},
        {"userunknown", "recipient rejected"},
    };
    static const Regex aup(R"(AUP#([0-9A-Z]+))");
    Match m;
    if (aup.search(f.diagnostic, m)) {
        auto it = codes.find(m[1]);
        if (it != codes.end()) return it->second;
    }
    for (const auto& [reason, text] : phrases)
        if (contains(f.diagnostic, text)) return reason;
    return "";
}

std::string francePtt(const Facts& f) {
    if (!f.reason.empty()) return f.reason;
    static const std::unordered_map<std::string_view, const char*> codes = {
        {"101", "blocked"},     {"102", "blocked"},       {"103", "blocked"},       {"104", "toomanyconn"},
        {"105", ""},            {"107", ""},              {"108", ""},              {"109", ""},
        {"201", ""},            {"305", "securityerror"}, {"401", "blocked"},       {"402", "securityerror"},
        {"403", "rejected"},    {"405", "rejected"},      {"415", "rejected"},      {"416", "userunknown"},
        {"417", "mailboxfull"}, {"418", "userunknown"},   {"420", "suspend"},       {"421", "rejected"},
        {"423", ""},            {"424", ""},              {"426", "suspend"},       {"505", "systemerror"},
        {"506", "spamdetected"}, {"510", "blocked"},      {"513", ""},              {"514", "mesgtoobig"},
        {"517", "policyviolation"}, {"630", "policyviolation"}, {"999", "blocked"},
    };
    static const Regex re(R"(\b(LPN|LPNAAA|OFR|OUK)(_[0-9]{3}|[0-9]{3}[-_][0-9]{3})\b)", Regex::icase);
    Match m;
    if (!re.search(f.diagnostic, m)) return "";
    std::string v = m.str(1) + m.str(2);
    v = v.substr(v.size() - 3);
    auto it = codes.find(v);
    return it != codes.end() && *it->second ? it->second : "undefined";
}

std::string goDaddy(const Facts& f) {
    if (!f.reason.empty()) return f.reason;
    static const std::unordered_map<std::string_view, const char*> codes = {
        {"IB103", "blocked"},     {"IB104", "blocked"},      {"IB105", "blocked"},     {"IB106", "blocked"},
        {"IB007", "toomanyconn"}, {"IB101", "expired"},      {"IB108", "blocked"},     {"IB110", "blocked"},
        {"IB111", "blocked"},     {"IB112", "blocked"},      {"IB113", "blocked"},     {"IB212", "spamdetected"},
        {"IB401", "securityerror"}, {"IB501", "rejected"},   {"IB502", "rejected"},    {"IB504", "toomanyconn"},
        {"IB506", "rejected"},    {"IB508", "rejected"},     {"IB510", "toomanyconn"}, {"IB607", "toomanyconn"},
        {"IB705", "virusdetected"},
    };
    static const std::pair<const char*, const char*> phrases[] = {
        {"blocked", "www.spamhaus.org/query/bl?ip="},
        {"blocked", "554 RBL Reject."},
        {"expired", "Delivery timeout"},
        {"expired", "451 Sorry, I wasn't able to establish an SMTP connection."},
        {"suspend", "Account disabled"},
        {"mailboxfull", "Account storage limit"},
        {"userunknown", "Account does not exist"},
        {"userunknown", "550 Recipient not found."},
    };
    static const Regex re(R"(\s(IB\d{3})\b)");
    Match m;
    if (re.search(f.diagnostic, m)) {
        auto it = codes.find(m[1]);
        return it == codes.end() ? "" : it->second;
    }
    for (const auto& [reason, text] : phrases)
        if (contains(f.diagnostic, text)) return reason;
    return "";
}

std::string iua(const Facts& f) {
    static const char* codes[] = {"",           "norelaying", "userunknown", "suspend", "mailboxfull", "toomanyconn",
                                  "norelaying", "blocked",    "rejected",    "blocked", "filtered"};
    static const Regex re(R"([.]i[.]ua/err/(\d+))");
    Match m;
    std::string t = lower(f.diagnostic);
    if (!re.search(t, m)) return "";
    int n = std::atoi(m.str(1).c_str());
    return n >= 1 && n <= 10 ? codes[n] : "";
}

std::string kddi(const Facts& f) {
    if (contains(f.diagnostic, "550 : User unknown")) return "filtered";
    if (contains(f.diagnostic, ">: User unknown")) return "userunknown";
    return "";
}

std::string nttDocomo(const Facts& f) {
    if (f.status == "5.1.1" || f.status == "5.0.911") return "userunknown";
    if (f.status == "5.2.0") return "filtered";
    std::string t = lower(f.diagnostic);
    if (contains(t, "552 too much mail data")) return "mailboxfull";
    if (contains(t, "552 too many recipients")) return "toomanyconn";
    if (contains(t, "503 bad sequence of commands") || contains(t, "504 command parameter not implemented"))
        return "syntaxerror";
    if (f.status == "5.0.0") {
        if (f.command == "RCPT") return "userunknown";
        if (f.command == "DATA") return "rejected";
    }
    return "";
}

std::string spectrum(const Facts& f) {
    static const std::unordered_map<int, const char*> codes = {
        {1000, "blocked"},     {1010, "rejected"},    {1090, "systemerror"}, {1260, "networkerror"},
        {1500, "rejected"},    {1520, "rejected"},    {1530, "mesgtoobig"},  {1540, "toomanyconn"},
        {1550, "toomanyconn"}, {1560, "policyviolation"},
    };
    struct Range {
        int lo, hi;
        const char* reason;
    };
    static const Range ranges[] = {{1020, 1080, "rejected"},        {1100, 1150, "blocked"},
                                   {1160, 1190, "policyviolation"}, {1200, 1210, "blocked"},
                                   {1220, 1250, "blocked"},         {1300, 1340, "toomanyconn"},
                                   {1350, 1490, "toomanyconn"}};
    static const Regex re(R"(AUP#[-A-Za-z]*(\d{4}))");
    Match m;
    int n = re.search(f.diagnostic, m) ? std::atoi(m.str(1).c_str()) : 0;
    auto it = codes.find(n);
    if (it != codes.end()) return it->second;
    for (const auto& r : ranges)
        if (n >= r.lo && n <= r.hi) return r.reason;
    return "";
}

std::string tencentQq(const Facts& f) {
    static const std::pair<const char*, const char*> phrases[] = {
        {"dmarc check failed", "blocked"},
        {"spf check failed", "blocked"},
        {"suspected spam ip", "blocked"},
        {"mail is rejected by recipients", "filtered"},
        {"message too large", "mesgtoobig"},
        {"mail content denied", "spamdetected"},
        {"spam is embedded in the email", "spamdetected"},
        {"suspected spam", "spamdetected"},
        {"bad address syntax", "syntaxerror"},
        {"connection denied", "toomanyconn"},
        {"connection frequency limited", "toomanyconn"},
        {"domain frequency limited", "toomanyconn"},
        {"ip frequency limited", "toomanyconn"},
        {"sender frequency limited", "toomanyconn"},
        {"mailbox unavailable or access denied", "toomanyconn"},
        {"mailbox not found", "userunknown"},
    };
    std::string t = lower(f.diagnostic);
    for (const auto& [text, reason] : phrases)
        if (contains(t, text)) return reason;
    return "";
}

using HostRule = std::string (*)(const Facts&);

HostRule ruleFor(std::string_view host) {
    struct Entry {
        Regex re;
        HostRule rule;
    };
    static const Entry table[] = {
        {Regex(R"(cox[.]net)"), cox},
        {Regex(R"([.](?:prod|protection)[.]outlook[.]com\z)"), exchangeOnline},
        {Regex(R"(\b(?>laposte[.]net|(?:orange|wanadoo)[.]fr)\z)"), francePtt},
        {Regex(R"(\A(?:smtp|mailstore1)[.]secureserver[.]net\z)"), goDaddy},
        {Regex(R"((?:aspmx|gmail-smtp-in)[.]l[.]google[.]com\z)"), googleApps},
        {Regex(R"([.]email[.]ua\z)"), iua},
        {Regex(R"([.](?:ezweb[.]ne[.]jp|au[.]com)\z)"), kddi},
        {Regex(R"([.]mimecast[.]com\z)"), mimecast},
        {Regex(R"(mfsmax[.]docomo[.]ne[.]jp\z)"), nttDocomo},
        {Regex(R"(charter[.]net)"), spectrum},
        {Regex(R"(mx[0-9]+[.]qq[.]com\z)"), tencentQq},
    };
    if (host.empty()) return nullptr;
    std::string h = lower(host);
    // Every host pattern names one of these domains: a cheap test first.
    static const PhraseSet domains{"cox.net",     "outlook.com",  "laposte.net", "orange.fr",   "wanadoo.fr",
                                   "secureserver.net", "google.com", "email.ua", "ezweb.ne.jp", "au.com",
                                   "mimecast.com", "docomo.ne.jp", "charter.net", "qq.com"};
    if (!domains.any(h)) return nullptr;
    for (const auto& e : table)
        if (e.re.test(h)) return e.rule;
    return nullptr;
}

}  // namespace

std::string remoteHostReason(const Facts& f) {
    std::string r;
    if (HostRule rule = ruleFor(f.rhost)) r = rule(f);
    if (r.empty())
        if (HostRule rule = ruleFor(f.destination)) r = rule(f);
    return r;
}

}  // namespace v2v::bounce
