// Reports of mobile carriers and social networks: au/EZweb and KDDI (Japan),
// Verizon (vtext / vzwpix), Facebook.
#include "report_address.h"
#include "lhost_util.h"

namespace v2v::bounce {

std::optional<ReaderResult> readFacebook(const Headers& head, std::string_view body) {
    if (head.get("from") != "Facebook <mailer-daemon@mx.facebook.com>" ||
        head.get("subject") != "Sorry, your message could not be delivered")
        return std::nullopt;
    DsnCollector c = readDsnLines(body, startsWithAny({"This message was created automatically by Facebook."}));
    if (c.recipients() == 0) return std::nullopt;
    static const std::pair<const char*, std::vector<std::string_view>> codes[] = {
        {"userunknown", {"RCP-P1", "INT-P1", "INT-P3", "INT-P4"}},
        {"filtered", {"RCP-P2", "RCP-P3"}},
        {"blocked", {"POL-P1", "POL-P2"}},
        {"mesgtoobig", {"MSG-P1", "INT-P2"}},
        {"contenterror", {"MSG-P2", "MSG-P3", "POL-P6", "POL-P7"}},
        {"securityerror", {"POL-P7"}},
        {"notaccept", {"POL-P3", "POL-P4", "POL-T1", "POL-T2", "POL-T3"}},
        {"rejected", {"DNS-P1", "DNS-P2", "DNS-T1", "DNS-P3", "DNS-T2"}},
        {"systemerror", {"CON-T1", "RCP-T1"}},
        {"toomanyconn", {"CON-T2", "CON-T3"}},
        {"virusdetected", {"POL-P5"}},
        {"suspend", {"RCP-T4"}},
        {"undefined", {"MSG-T1", "CON-T4"}},
    };
    static const Regex code(R"(\b([A-Z]{3})[-]([A-Z])(\d)\b)");
    static const Regex internal(R"(\AINT-T\d+\z)");
    auto& per = c.perMessage();
    std::string response;
    Match m;
    for (auto& e : c.ds()) {
        if (e.lhost.empty() && per.count("lhost")) e.lhost = per["lhost"];
        e.diagnosis = sweep(e.diagnosis);
        if (code.search(e.diagnosis, m)) response = m.str(1) + "-" + m.str(2) + m.str(3);
        for (const auto& [reason, list] : codes) {
            for (auto x : list)
                if (response == x) e.reason = reason;
            if (!e.reason.empty()) break;
        }
        if (e.reason.empty() && internal.test(response)) e.reason = "systemerror";
    }
    return ReaderResult{std::move(c.ds()), ""};
}

std::optional<ReaderResult> readVerizon(const Headers& head, std::string_view body) {
    if (!anyReceived(head, ".vtext.com (")) return std::nullopt;
    static const Regex pix(R"([<]?sysadmin[@].+[.]vzwpix[.]com[>]?\z)");
    int match = -1;
    if (head.get("from") == "post_master@vtext.com") match = 1;
    if (pix.test(head.get("from"))) match = 0;
    if (match < 0) return std::nullopt;
    DsnCollector c;
    std::string sender, subject;
    Match m;
    if (match == 1) {
        static const Regex marker(R"(\AError:[ \t])");
        static const Regex rcpt(R"(\A[ \t]+RCPT TO: (.*)\z)");
        static const Regex mailFrom(R"(\A[ \t]+MAIL FROM:[ \t](.+)\z)");
        static const Regex subj(R"(\A[ \t]+Subject:[ \t](.+)\z)");
        static const Regex code(R"(\A(\d{3})[ \t][-][ \t](.*)\z)");
        forEachLineAfter(body, matches(marker), [&](std::string_view e) {
            if (rcpt.search(e, m)) {
                c.addRecipient(m.str(1));
            } else if (mailFrom.search(e, m)) {
                if (sender.empty()) sender = m.str(1);
            } else if (subj.search(e, m)) {
                if (subject.empty()) subject = m.str(1);
            } else if (code.test(e)) {
                c.current().diagnosis = std::string(e);
            }
        });
    } else {
        static const Regex to(R"(\ATo:[ \t]+(.*)\z)");
        static const Regex from(R"(\AFrom:[ \t](.+)\z)");
        static const Regex subj(R"(\ASubject:[ \t](.+)\z)");
        static const Regex error(R"(\AError:[ \t]+(.+)\z)");
        forEachLineAfter(body, startsWithAny({"Message could not be delivered to mobile"}), [&](std::string_view e) {
            if (to.search(e, m)) {
                c.addRecipient(firstAddress(m[1]));
            } else if (from.search(e, m)) {
                if (sender.empty()) sender = firstAddress(m[1]);
            } else if (subj.search(e, m)) {
                if (subject.empty()) subject = m.str(1);
            } else if (error.test(e)) {
                c.current().diagnosis = std::string(e);
            }
        });
    }
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (contains(e.diagnosis, match == 1 ? "550 - Requested action not taken: no such user here"
                                             : "No valid recipients for this MM"))
            e.reason = "userunknown";
    }
    return c.take("From: " + sender + "\nSubject: " + subject + "\n");
}

std::optional<ReaderResult> readKDDI(const Headers& head, std::string_view body) {
    static const Regex from(R"(no-reply[@].+[.]dion[.]ne[.]jp)");
    bool match = from.test(head.get("from")) || head.get("reply-to") == "no-reply@app.auone-net.jp" ||
                 anyReceived(head, "ezweb.ne.jp (") || anyReceived(head, ".au.com (");
    if (!match) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex marker(
        R"(\AYour[ ]mail[ ](?:sent[ ]on:?[ ][A-Z][a-z]{2}[,]|attempted[ ]to[ ]be[ ]delivered[ ]on:?[ ][A-Z][a-z]{2}[,]))");
    static const Regex rcpt(R"(\A[ \t]+Could not be delivered to: [<]([^ ]+[@][^ ]+)[>])");
    static const Regex sent(R"(Your mail sent on: (.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(
        errorPart, matches(marker),
        [&](std::string_view e) {
            if (rcpt.search(e, m))
                addIfEmailAddress(c, m[1]);
            else if (sent.search(e, m))
                c.current().date = m.str(1);
            else if (startsWith(e, " ") || startsWith(e, "\t"))
                c.current().diagnosis += std::string(e) + " ";
        },
        true);
    static const PhraseTable phrases = {
        {"mailboxfull", {"As their mailbox is full"}},
        {"norelaying", {"Due to the following SMTP relay error"}},
        {"hostunknown", {"As the remote domain doesnt exist"}},
    };
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (head.get("x-spasign") == "NG") e.reason = "filtered";
        else if (e.command == "RCPT") e.reason = "userunknown";
        else if (auto r = reasonFromPhrases(e.diagnosis, phrases); !r.empty()) e.reason = r;
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readEZweb(const Headers& head, std::string_view body) {
    int match = 0;
    const std::string& from = head.get("from");
    if (contains(from, "Postmaster@ezweb.ne.jp")) ++match;
    if (contains(from, "Postmaster@au.com")) ++match;
    if (head.get("subject") == "Mail System Error - Returned Mail") ++match;
    if (anyReceived(head, "ezweb.ne.jp (EZweb Mail) with")) ++match;
    if (anyReceived(head, ".au.com (")) ++match;
    if (head.has("message-id")) {
        if (endsWith(head.get("message-id"), ".ezweb.ne.jp>")) ++match;
        if (endsWith(head.get("message-id"), ".au.com>")) ++match;
    }
    if (match < 2) return std::nullopt;
    static const Regex backbone(R"(^(?:[-]{50}|Content-Type:[ ]*message/rfc822))", Regex::multiline);
    static const Regex marker(R"(\A(?:The[ ]user[(]s[)][ ]|Your[ ]message[ ]|Each[ ]of[ ]the[ ]following|[<][^ ]+[@][^ ]+[>]\z))");
    static const Regex rcpt(R"(\A[<]([^ ]+[@][^ ]+)[>]:?(.*)\z|\A[ \t]+Recipient: [<]([^ ]+[@][^ ]+)[>])");
    static const Regex command(R"(\A[ \t]+[>]{3}[ \t]+([A-Z]{4}))");
    static const std::pair<const char*, Regex> failures[] = {
        {"mailboxfull", Regex(R"(The user[(]s[)] account is temporarily over quota)")},
        {"suspend", Regex(R"(The user[(]s[)] account is disabled[.])")},
        {"suspend", Regex(R"(The user[(]s[)] account is temporarily limited[.])")},
        {"expired", Regex(R"(Your message was not delivered within )")},
        {"onhold", Regex(R"(Each of the following recipients was rejected by a remote mail server)")},
    };
    static const Regex carrier(R"([@](?:ezweb[.]ne[.]jp|au[.]com)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    auto line = [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(firstAddress(m.has(1) ? m[1] : m[3]));
        } else if (dsnFieldClass(e)) {
            auto o = parseDsnField(e);
            if (!o) return;
            if (auto t = DsnCollector::target(o->name); !t.empty()) fieldOf(v, t) = o->value;
        } else {
            bool eightBit = false;
            for (unsigned char ch : e) eightBit = eightBit || ch >= 0x80;
            if (eightBit) return;
            if (command.search(e, m)) {
                v.command = m.str(1);
                return;
            }
            bool known = false;
            for (const auto& f : failures) known = known || f.second.test(e);
            (known ? v.diagnosis : v.alterrors) += " " + std::string(e);
        }
    };
    forEachLineAfter(errorPart, matches(marker), line, true);
    for (auto& e : c.ds()) {
        if (!e.alterrors.empty()) {
            if (e.diagnosis.empty()) e.diagnosis = e.alterrors;
            if (startsWith(e.diagnosis, "-") || endsWith(e.diagnosis, "__")) e.diagnosis = e.alterrors;
            e.alterrors.clear();
        }
        e.diagnosis = sweep(e.diagnosis);
        if (head.get("x-spasign") == "NG") {
            e.reason = "filtered";
        } else if (e.command == "RCPT") {
            e.reason = "userunknown";
        } else {
            for (const auto& [reason, re] : failures)
                if (re.test(e.diagnosis)) {
                    e.reason = reason;
                    break;
                }
        }
        if (e.reason.empty() && !carrier.test(e.recipient)) e.reason = "userunknown";
    }
    return c.take(std::move(rfc822));
}

}  // namespace v2v::bounce
