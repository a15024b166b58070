// Google reports: Gmail's "Delivery to the following recipient failed"
// texts, Google Workspace (G Suite) DSNs, and Google Groups rejections.
#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {
namespace {

bool fromGoogleDaemon(const Headers& head) {
    return contains(head.get("from"), "<mailer-daemon@googlemail.com>") &&
           contains(head.get("subject"), "Delivery Status Notification");
}

}  // namespace

std::optional<ReaderResult> readGmail(const Headers& head, std::string_view body) {
    if (!fromGoogleDaemon(head)) return std::nullopt;
    static const Regex backbone(R"(^[ ]*-----[ ](?:Original[ ]message|Message[ ]header[ ]follows)[ ]-----)",
                                Regex::multiline | Regex::extended);
    static const Regex rcpt(R"(\A[ \t]+([^ ]+[@][^ ]+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(
        errorPart, startsWithAny({"Delivery to the following recipient"}),
        [&](std::string_view e) {
            if (rcpt.search(e, m))
                addIfEmailAddress(c, m[1]);
            else
                c.current().diagnosis += std::string(e) + " ";
        },
        true);
    static const PhraseTable messages = {
        {"expired",
         {"DNS Error: Could not contact DNS servers", "Delivery to the following recipient has been delayed",
          "The recipient server did not accept our requests to connect"}},
        {"hostunknown", {"DNS Error: Domain name not found", "DNS Error: DNS server returned answer with no data"}},
    };
    struct State {
        int code;
        const char *command, *reason;
    };
    static const State states[] = {{6, "MAIL", "systemerror"},    {8, "AUTH", "systemerror"}, {9, "AUTH", "systemerror"},
                                   {12, "AUTH", "relayingdenied"}, {13, "EHLO", "blocked"},    {14, "RCPT", "userunknown"},
                                   {15, "DATA", "filtered"},       {17, "DATA", "filtered"},   {18, "DATA", "filtered"}};
    static const Regex byHost(R"([ \t]+by[ \t]+([^ ]+)[.][ \t]+\[(\d+[.]\d+[.]\d+[.]\d+)\][.])");
    static const Regex domainLike(R"([-0-9a-zA-Z]+[.][a-zA-Z]+\z)");
    static const Regex state(R"([(]state[ ](\d+)[)][.])");
    static const Regex precise(R"(\A[45][.][1-7][.][1-9]\z)");
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (e.rhost.empty() && byHost.search(e.diagnosis, m)) e.rhost = domainLike.test(m[1]) ? m.str(1) : m.str(2);
        int code = state.search(e.diagnosis, m) ? std::atoi(m.str(1).c_str()) : 0;
        bool known = false;
        for (const auto& s : states)
            if (s.code == code) {
                e.reason = s.reason;
                e.command = s.command;
                known = true;
            }
        if (!known) e.reason = reasonFromPhrases(e.diagnosis, messages);
        if (e.reason.empty()) continue;
        e.status = findStatus(e.diagnosis);
        if (!precise.test(e.status)) continue;
        e.reason = statusReason(e.status);
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readGSuite(const Headers& head, std::string_view body) {
    if (!fromGoogleDaemon(head) || head.get("x-gm-message-state").empty()) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ](?:message/rfc822|text/rfc822-headers))", Regex::multiline);
    static const Regex message(R"(\A[*][*][ ].+[ ][*][*]\z)");
    static const Regex error(R"(\AThe[ ]response([ ]from[ ]the[ ]remote[ ]server)?[ ]was:\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    bool reading = false, endOfError = false;
    int emptyLines = 0;
    std::string another;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading) reading = message.test(e);
        if (!reading) continue;
        if (dsnFieldClass(e)) {
            auto o = parseDsnField(e);
            if (!o) continue;
            c.feed(e);
            if (DsnCollector::target(o->name) == "lhost" && !startsWith(c.current().lhost, "@"))
                c.current().lhost.clear();
            continue;
        }
        DeliveryStatus& v = c.current();
        if (!endOfError && !v.diagnosis.empty()) {
            if (e.empty()) endOfError = true;
            if (endOfError) continue;
            v.diagnosis.append(e);
        } else if (error.test(e)) {
            another.append(e);
        } else {
            if (startsWith(e, "Content-Type:")) continue;
            if (!another.empty()) {
                if (emptyLines > 5) continue;
                if (e.empty()) {
                    ++emptyLines;
                    continue;
                }
                another += " " + std::string(e);
            } else if (message.test(e)) {
                another = std::string(e);
            }
        }
    }
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage();
    static const Regex digits(R"(\A\d+\z)");
    static const PhraseTable messages = {
        {"userunknown", {"because the address couldn't be found. Check for typos or unnecessary spaces and try again."}},
        {"notaccept", {"Null MX"}},
        {"networkerror", {" had no relevant answers.", " responded with code NXDOMAIN"}},
    };
    for (auto& e : c.ds()) {
        if (!another.empty()) {
            if (e.diagnosis.empty()) e.diagnosis = another;
            if (digits.test(e.diagnosis)) {
                e.diagnosis = another;
            } else {
                std::string as, ar;
                if (e.status.empty() || e.status == "5.0.0" || e.status == "4.0.0") {
                    as = findStatus(another);
                    if (!as.empty() && !endsWith(as, ".0.0")) e.status = as;
                }
                if (e.replycode.empty() || e.replycode == "500" || e.replycode == "400") {
                    ar = findReplyCode(another);
                    if (!ar.empty() && !endsWith(ar, "00")) e.replycode = ar;
                }
                if (!as.empty() || (!ar.empty() && another.size() > e.diagnosis.size())) e.diagnosis = another;
            }
        }
        e.diagnosis = sweep(e.diagnosis);
        std::string r = reasonFromPhrases(e.diagnosis, messages);
        if (!r.empty()) e.reason = r;
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readGoogleGroups(const Headers& head, std::string_view body) {
    if (!fromGoogleDaemon(head) || !head.has("x-failed-recipients") || !head.has("x-google-smtp-source"))
        return std::nullopt;
    static const Regex backbone(R"(^-----[ ]Original[ ]message[ ]-----$)", Regex::multiline);
    static const Regex bullet(R"(^[ ]?[*][ ]?)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    int bullets = 0;
    Match m;
    for (std::size_t at = 0; bullet.search(errorPart, m, at); at = m.end() + (m.end() == m.position())) ++bullets;
    std::string reason = bullets == 4 ? "rejected" : "onhold";
    // The first four paragraphs explain the refusal.
    std::string diagnosis;
    std::string_view rest = errorPart;
    std::vector<std::string_view> paragraphs;
    for (int i = 0; i < 4; ++i) {
        std::size_t p = rest.find("\n\n");
        if (p == std::string_view::npos) break;
        paragraphs.push_back(rest.substr(0, p));
        rest = rest.substr(p + 2);
    }
    for (auto p : paragraphs) appendSep(diagnosis, " ", p);
    diagnosis = sweep(joinLines(diagnosis));
    std::string rhost;
    if (!head.received().empty()) {
        auto hosts = receivedHosts(head.received().front());
        if (!hosts.empty()) rhost = hosts.front();
    }
    std::vector<DeliveryStatus> ds(1);
    int recipients = 0;
    for (std::string_view e : splitChar(head.get("x-failed-recipients"), ',')) {
        if (!isEmailAddress(e)) continue;
        DeliveryStatus& v = nextRecord(ds);
        v.recipient = firstAddress(e);
        v.rhost = rhost;
        v.reason = reason;
        v.diagnosis = diagnosis;
        ++recipients;
    }
    if (recipients == 0) return std::nullopt;
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

}  // namespace v2v::bounce
