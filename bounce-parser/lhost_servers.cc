// Reports of mail servers and list managers: Apache James, Courier, IBM
// Domino and Lotus Notes, fml, Ipswitch IMail.
#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {

std::optional<ReaderResult> readApacheJames(const Headers& head, std::string_view body) {
    bool match = head.get("subject") == "[BOUNCE]" ||
                 (head.has("message-id") && contains(head.get("message-id"), ".JavaMail.")) ||
                 anyReceived(head, "JAMES SMTP Server");
    if (!match) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\A[ ][ ]RCPT[ ]TO:[ ]([^ ]+[@][^ ]+)\z)");
    static const Regex sent(R"(\A[ ][ ]Sent[ ]date:[ ](.+)\z)");
    static const Regex subject(R"(\A[ ][ ]Subject:[ ](.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    bool gotMessage = false;
    std::string subjectText;
    Match m;
    // The reader starts after the first line.
    forEachLineAfter(errorPart, [](std::string_view) { return true; }, [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(m.str(1));
        } else if (sent.search(e, m)) {
            v.date = m.str(1);
        } else if (subject.search(e, m)) {
            subjectText = m.str(1);
        } else if (!gotMessage) {
            if (!v.diagnosis.empty()) {
                if (e == "Message details:")
                    gotMessage = true;
                else
                    v.diagnosis += " " + std::string(e);
            } else {
                if (e == "Error message below:") v.diagnosis = std::string(e);
                v.diagnosis += " " + std::string(e);
            }
        }
    });
    if (c.recipients() == 0) return std::nullopt;
    static const Regex hasSubject(R"(^Subject:)", Regex::multiline);
    if (!hasSubject.test(rfc822)) rfc822 += "Subject: " + subjectText + "\n";
    for (auto& e : c.ds()) e.diagnosis = sweep(e.diagnosis);
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readCourier(const Headers& head, std::string_view body) {
    static const Regex subject(R"((?:NOTICE: mail delivery status[.]|WARNING: delayed mail[.]))");
    static const Regex msgid(R"(\A[<]courier[.][0-9A-F]+[.])");
    bool match = contains(head.get("from"), "Courier mail server at ") || subject.test(head.get("subject")) ||
                 (head.has("message-id") && msgid.test(head.get("message-id")));
    if (!match) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ](?:message/rfc822|text/rfc822-headers))", Regex::multiline);
    static const Regex command(R"(\A[>]{3}[ ]+([A-Z]{4})[ ]?)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::string commandText;
    Match m;
    DsnCollector c = readDsnLines(
        errorPart,
        [](std::string_view e) {
            return contains(e, "DELAYS IN DELIVERING YOUR MESSAGE") || contains(e, "UNDELIVERABLE MAIL");
        },
        true,
        [&](std::string_view e, std::string_view prev, DsnCollector& col) {
            if (command.search(e, m)) {
                if (commandText.empty()) commandText = m.str(1);
            } else {
                col.continuation(e, prev);
            }
        });
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage(false);
    static const PhraseTable phrases = {
        {"hostunknown", {"No such domain."}},
        {"systemerror", {"This domain's DNS violates RFC 1035."}},
        {"networkerror", {"DNS lookup failed."}},
    };
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (auto r = reasonFromPhrases(e.diagnosis, phrases); !r.empty()) e.reason = r;
        if (e.command.empty()) e.command = commandText;
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readDomino(const Headers& head, std::string_view body) {
    static const Regex subject(R"(\ADELIVERY(?:[ ]|_)FAILURE:)");
    if (!subject.test(head.get("subject"))) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex address(R"(\A[ ][ ]([^ ]+[@][^ ]+)\z)");
    static const Regex subjectLine(R"(\A[ ][ ]Subject: (.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    std::string subjectText;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"Your message"}), [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (e == "was not delivered to:") {
            c.addRecipient(std::string(e));  // the address follows
        } else if (address.search(e, m)) {
            v.recipient = firstAddress(m[1]);
        } else if (e == "because:") {
            v.diagnosis = std::string(e);
        } else if (v.diagnosis == "because:") {
            v.diagnosis = std::string(e);
        } else if (subjectLine.search(e, m)) {
            subjectText = m.str(1);
        } else if (int cls = dsnFieldClass(e)) {
            auto o = parseDsnField(e);
            if (!o || o->group == 'a') return;
            if (o->group == 'c') {
                if (v.spec.empty()) v.spec = o->type;
                if (v.diagnosis.empty()) v.diagnosis = o->value;
            } else if (auto t = DsnCollector::target(o->name); !t.empty()) {
                fieldOf(v, t) = o->value;
                if (cls == 1) c.perMessage()[std::string(t)] = o->value;
            }
        }
    });
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage();
    static const PhraseTable phrases = {
        {"userunknown",
         {"not listed in Domino Directory", "not listed in public Name & Address Book",
          "non r\xC3\xA9pertori\xC3\xA9 dans l'annuaire Domino",
          "Domino \xE3\x83\x87\xE3\x82\xA3\xE3\x83\xAC\xE3\x82\xAF\xE3\x83\x88\xE3\x83\xAA\xE3\x81\xAB\xE3\x81\xAF"
          "\xE8\xA6\x8B\xE3\x81\xA4\xE3\x81\x8B\xE3\x82\x8A\xE3\x81\xBE\xE3\x81\x9B\xE3\x82\x93"}},
        {"filtered", {"Cannot route mail to user"}},
        {"systemerror", {"Several matches found in Domino Directory"}},
    };
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        e.recipient = firstAddress(e.recipient);
        if (auto r = reasonFromPhrases(e.diagnosis, phrases); !r.empty()) {
            e.reason = r;
            if (e.status.empty()) e.status = pseudoStatus(r, false);
        }
    }
    static const Regex hasSubject(R"(^Subject:)", Regex::multiline);
    if (!hasSubject.test(rfc822)) rfc822 += "Subject: " + subjectText + "\n";
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readNotes(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("subject"), "Undeliverable message")) return std::nullopt;
    static const Regex backbone(R"(^-------[ ]Returned[ ]Message[ ]--------)", Regex::multiline);
    static const Regex rcpt(R"(\A[^ ]+[@][^ ]+)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"------- Failure Reasons "}), [&](std::string_view e) {
        if (rcpt.test(e))
            c.addRecipient(std::string(e));
        else if (!startsWith(e, "-"))
            c.current().diagnosis.append(e);  // already converted to UTF-8 by the MIME reader
    });
    if (c.recipients() == 0) {
        static const Regex to(R"(^To:[ ]*(.+)$)", Regex::multiline);
        if (to.search(rfc822, m)) {
            std::string r = firstAddress(m[1]);
            if (!r.empty()) c.addRecipient(std::move(r));
        }
    }
    static const PhraseTable phrases = {
        {"userunknown",
         {"User not listed in public Name & Address Book",
          "\xE3\x83\x87\xE3\x82\xA3\xE3\x83\xAC\xE3\x82\xAF\xE3\x83\x88\xE3\x83\xAA\xE3\x81\xAE\xE3\x83\xAA\xE3\x82\xB9"
          "\xE3\x83\x88\xE3\x81\xAB\xE3\x81\x82\xE3\x82\x8A\xE3\x81\xBE\xE3\x81\x9B\xE3\x82\x93"}},
        {"networkerror", {"Message has exceeded maximum hop count"}},
    };
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        e.recipient = firstAddress(e.recipient);
        if (auto r = reasonFromPhrases(e.diagnosis, phrases); !r.empty()) {
            e.reason = r;
            e.status = pseudoStatus(r, false);
        }
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readFML(const Headers& head, std::string_view body) {
    static const Regex admin(R"(.+[-]admin[@].+)");
    static const Regex msgid(R"(\A[<]\d+[.]FML.+[@].+[>]\z)");
    if (!head.has("x-mlserver") || !admin.test(head.get("from")) || !msgid.test(head.get("message-id")))
        return std::nullopt;
    static const Regex backbone(R"(^Original[ ]mail[ ]as[ ]follows:)", Regex::multiline);
    static const Regex rcpt(R"([<]([^ ]+?[@][^ ]+?)[>][.]\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    int recipients = 0;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (e.empty()) continue;
        if (rcpt.search(e, m)) {
            DeliveryStatus& v = nextRecord(ds);
            v.recipient = m.str(1);
            v.diagnosis = std::string(e);
            ++recipients;
        } else {
            ds.back().diagnosis.append(e);
        }
    }
    if (recipients == 0) return std::nullopt;
    static const std::pair<const char*, Regex> byText[] = {
        {"rejected", Regex(R"((?>(?:Ignored[ ])*NOT[ ]MEMBER[ ]article[ ]from[ ]|reject[ ](?:mail[ ]from[ ].+[@].+|since[ ].+[ ]header[ ]may[ ]cause[ ]mail[ ]loop|spammers:)|You[ ]are[ ]not[ ]a[ ]member[ ]of[ ]this[ ]mailing[ ]list))")},
        {"systemerror", Regex(R"((?:Duplicated[ ]Message-ID|fml[ ].+[ ]has[ ]detected[ ]a[ ]loop[ ]condition[ ]so[ ]that|Loop[ ]Back[ ]Warning:))")},
        {"securityerror", Regex(R"(Security alert:)")},
    };
    static const std::pair<const char*, Regex> bySubject[] = {
        {"rejected", Regex(R"((?>(?:Ignored[ ])*NOT[ ]MEMBER[ ]article[ ]from[ ]|reject[ ]mail[ ](?:.+:|from)[ ],|Spam[ ]mail[ ]from[ ]a[ ]spammer[ ]is[ ]rejected|You[ ].+[ ]are[ ]not[ ]member))")},
        {"systemerror", Regex(R"((?:fml[ ]system[ ]error[ ]message|Loop[ ]Alert:[ ]|Loop[ ]Back[ ]Warning:[ ]|WARNING:[ ]UNIX[ ]FROM[ ]Loop))")},
        {"securityerror", Regex(R"(Security Alert)")},
    };
    for (auto& e : ds) {
        e.diagnosis = sweep(e.diagnosis);
        for (const auto& [reason, re] : byText)
            if (e.reason.empty() && re.test(e.diagnosis)) e.reason = reason;
        for (const auto& [reason, re] : bySubject)
            if (e.reason.empty() && re.test(head.get("subject"))) e.reason = reason;
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

std::optional<ReaderResult> readIMailServer(const Headers& head, std::string_view body) {
    static const Regex subject(R"(\AUndeliverable Mail[ ]*\z)");
    bool match = subject.test(head.get("subject")) ||
                 (head.has("x-mailer") && startsWith(head.get("x-mailer"), "<SMTP32 v"));
    if (!match) return std::nullopt;
    static const Regex backbone(R"(^Original[ ]message[ ]follows[.])", Regex::multiline);
    static const Regex rcpt(R"(\A([^ ]+)[ ](.+)[:][ \t]*([^ ]+[@][^ ]+))");
    static const Regex undeliverable(R"(\Aundeliverable[ ]+to[ ]+(.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    int recipients = 0;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (rcpt.search(e, m)) {
            DeliveryStatus& v = nextRecord(ds);
            v.diagnosis = m.str(1) + " " + m.str(2);
            v.recipient = m.str(3);
            ++recipients;
        } else if (undeliverable.search(e, m)) {
            nextRecord(ds).recipient = firstAddress(m[1]);
            ++recipients;
        } else {
            DeliveryStatus& v = ds.back();
            if (!v.alterrors.empty()) v.alterrors += " " + std::string(e);
            if (contains(e, "Body of message generated response:")) v.alterrors = std::string(e);
        }
    }
    if (recipients == 0) return std::nullopt;
    static const std::pair<const char*, Regex> commands[] = {
        {"CONN", Regex(R"((?:SMTP connection failed,|Unexpected connection response from server:))")},
        {"EHLO", Regex(R"(Unexpected response to EHLO/HELO:)")},
        {"MAIL", Regex(R"(Server response to MAIL FROM:)")},
        {"RCPT", Regex(R"(Additional RCPT TO generated following response:)")},
        {"DATA", Regex(R"(DATA command generated response:)")},
    };
    static const std::pair<const char*, Regex> failures[] = {
        {"hostunknown", Regex(R"(Unknown host)")},
        {"userunknown", Regex(R"(\A(?:Unknown user|Invalid final delivery userid))")},
        {"mailboxfull", Regex(R"(\AUser mailbox exceeds allowed size)")},
        {"virusdetected", Regex(R"(\ARequested action not taken: virus detected)")},
        {"undefined", Regex(R"(\Aundeliverable to)")},
        {"expired", Regex(R"(\ADelivery failed \d+ attempts)")},
    };
    for (auto& e : ds) {
        if (!e.alterrors.empty()) e.diagnosis = sweep(e.alterrors + " " + e.diagnosis);
        e.alterrors.clear();
        e.diagnosis = sweep(e.diagnosis);
        for (const auto& [cmd, re] : commands)
            if (e.command.empty() && re.test(e.diagnosis)) e.command = cmd;
        for (const auto& [reason, re] : failures)
            if (e.reason.empty() && re.test(e.diagnosis)) e.reason = reason;
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

}  // namespace v2v::bounce
