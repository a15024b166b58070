// Reports of mail filtering gateways and appliances: Activehunter, amavis,
// Barracuda, MailFoundry, MailMarshal, McAfee, MXLogic.
#include "report_address.h"
#include "lhost_util.h"
#include "mime.h"

namespace v2v::bounce {

std::optional<ReaderResult> readActivehunter(const Headers& head, std::string_view body) {
    if (!head.has("x-ahmailid")) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\A[>]{3}[ \t]+.+[<]([^ ]+?[@][^ ]+?)[>]\z)");
    static const Regex word(R"(\A[0-9A-Za-z]+)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"  ----- The following addresses had permanent fatal errors -----"}),
                     [&](std::string_view e) {
                         if (rcpt.search(e, m))
                             c.addRecipient(m.str(1));
                         else if (word.test(e) && c.current().diagnosis.empty())
                             c.current().diagnosis = std::string(e);
                     });
    return finishDsn(c, std::move(rfc822));
}

std::optional<ReaderResult> readAmavis(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("from"), "\"Content-filter at ")) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]text/rfc822-headers)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"The message "}), true,
                                  [](std::string_view, std::string_view, DsnCollector&) {});
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage(false);
    static const PhraseTable phrases = {
        {"spamdetected", {" - spam"}},
        {"virusdetected", {" - infected"}},
        {"contenterror", {" - bad header:"}},
        {"exceedlimit", {" - message size exceeds recipient"}},
        {"systemerror",
         {" - temporary mta failure on relaying", " - rejected by next-hop mta on relaying",
          " - unable to relay message back to mta"}},
    };
    for (auto& e : c.ds()) {
        if (e.spec == "X-POSTFIX") e.spec = "SMTP";
        if (e.diagnosis.empty()) e.diagnosis = sweep(e.diagnosis);
        std::string r = reasonFromPhrases(lower(e.diagnosis), phrases);
        if (!r.empty()) e.reason = r;
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readBarracuda(const Headers& head, std::string_view body) {
    std::size_t at = head.get("subject").find("our bulk email filter");
    if (at == std::string::npos || at == 0) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]text/rfc822-headers)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"Your message to:"}), true,
                                  [](std::string_view, std::string_view, DsnCollector&) {});
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage(false);
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readMailFoundry(const Headers& head, std::string_view body) {
    if (head.get("subject") != "Message delivery has failed" || !anyReceived(head, "(MAILFOUNDRY) id"))
        return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\AUnable to deliver message to: [<]([^ ]+[@][^ ]+)[>]\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    auto line = [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m))
            c.addRecipient(m.str(1));
        else if (e == "Delivery failed for the following reason:")
            v.diagnosis = std::string(e);
        else if (!v.diagnosis.empty() && !startsWith(e, "-"))
            v.diagnosis += " " + std::string(e);
    };
    forEachLineAfter(errorPart, startsWithAny({"Unable to deliver message to:"}), line, true);
    return finishDsn(c, std::move(rfc822));
}

std::optional<ReaderResult> readMailMarshalSMTP(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("subject"), "Undeliverable Mail: \"")) return std::nullopt;
    static const Regex plusBackbone(R"(^[ \t]*[+]+[ \t]*)", Regex::multiline);
    static const Regex rcpt(R"(\A[ \t]{4}([^ ]+[@][^ ]+)\z)");
    static const Regex sender(R"(\AOriginal Sender:[ \t]+[<](.+)[>]\z)");
    static const Regex senderMta(R"(\ASender-MTA:[ \t]+[<](.+)[>]\z)");
    static const Regex reporting(R"(\AReporting-MTA:[ \t]+[<](.+)[>]\z)");
    static const Regex fromSubject(R"(\A\s+(From|Subject):\s*(.+)\z)");
    // The report ends where the MIME boundary's closing line would be.
    std::string boundary = contentParam(head.get("content-type"), "boundary");
    std::string_view errorText = body;
    std::string rfc822;
    if (!boundary.empty()) {
        std::string closing = "--" + boundary + "--";
        std::size_t p = body.find("\n" + closing);
        if (startsWith(body, closing)) p = 0;
        if (p != std::string_view::npos) errorText = body.substr(0, p);
    } else {
        auto split = fillet(body, plusBackbone);
        errorText = split.first;
        rfc822 = split.second;
    }
    std::vector<DeliveryStatus> ds(1);
    int recipients = 0;
    bool reading = false, endOfError = false;
    Match m;
    for (std::string_view e : splitLines(errorText)) {
        if (!reading) reading = startsWith(e, "Your message:");
        if (!reading) continue;
        DeliveryStatus& v = ds.back();
        if (rcpt.search(e, m)) {
            nextRecord(ds).recipient = m.str(1);
            ++recipients;
        } else if (e == "Could not be delivered because of") {
            v.diagnosis = std::string(e);
        } else if (!v.diagnosis.empty() && !endOfError) {
            if (startsWith(e, "The following recipients were affected:")) endOfError = true;
            if (!endOfError) v.diagnosis += " " + std::string(e);
        } else if (sender.search(e, m)) {
            rfc822 += "From: " + m.str(1) + "\n";
        } else if (senderMta.search(e, m)) {
            v.lhost = m.str(1);
        } else if (reporting.search(e, m)) {
            v.rhost = m.str(1);
        } else if (fromSubject.search(e, m)) {
            rfc822 += m.str(1) + ": " + m.str(2) + "\n";
        }
    }
    if (recipients == 0) return std::nullopt;
    for (auto& e : ds) e.diagnosis = sweep(e.diagnosis);
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

std::optional<ReaderResult> readMcAfee(const Headers& head, std::string_view body) {
    if (!head.has("x-nai-header") || !contains(head.get("x-nai-header"), "Modified by McAfee") ||
        head.get("subject") != "Delivery Status")
        return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\A[<]([^ ]+[@][^ ]+)[>][ \t]+[(](.+)[)]\z)");
    static const Regex original(R"(\AOriginal-Recipient:[ ]*([^ ]+)\z)");
    static const Regex folded(R"(\A[ \t]+(.+)\z)");
    static const Regex unknown(R"((?:
         [ ]User[ ][(].+[@].+[)][ ]unknown[.][ ]
        |550[ ]Unknown[ ]user[ ][^ ]+[@][^ ]+
        |550[ ][<].+?[@].+?[>][.]+[ ]User[ ]not[ ]exist
        |No[ ]such[ ]user
        ))",
                               Regex::extended);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    std::string diagnostic;
    Match m;
    auto line = [&](std::string_view e, std::string_view prev) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(m.str(1));
            diagnostic = m.str(2);
        } else if (dsnFieldClass(e)) {
            if (auto o = parseDsnField(e)) {
                if (auto t = DsnCollector::target(o->name); !t.empty()) fieldOf(v, t) = o->value;
            } else if (original.search(e, m)) {
                v.alias = firstAddress(m[1]);
            }
        } else if (startsWith(prev, "Diagnostic-Code:") && folded.search(e, m)) {
            v.diagnosis += " " + m.str(1);
        }
    };
    auto start = [](std::string_view e) { return contains(e, "--- The following addresses had delivery problems ---"); };
    forEachLineWithPrev(errorPart, start, line);
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis.empty() ? diagnostic : e.diagnosis);
        if (unknown.test(e.diagnosis)) e.reason = "userunknown";
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readMXLogic(const Headers& head, std::string_view body) {
    static const Regex subject(R"((?:
         Mail[ ]delivery[ ]failed(:[ ]returning[ ]message[ ]to[ ]sender)?
        |Warning:[ ]message[ ][^ ]+[ ]delayed[ ]+
        |Delivery[ ]Status[ ]Notification
        ))",
                               Regex::extended);
    bool match = head.has("x-mx-bounce") || head.has("x-mxl-hash") || head.has("x-mxl-notehash") ||
                 startsWith(head.get("from"), "Mail Delivery System") || subject.test(head.get("subject"));
    if (!match) return std::nullopt;
    static const Regex backbone(R"(^Included is a copy of the message header:)", Regex::multiline);
    static const Regex rcpt(R"(\A[ \t]*[<]([^ ]+[@][^ ]+)[>]:(.+)\z)");
    static const Regex dashes(R"([-]{2}.*\z)");
    static const Regex hostIn(R"(host[ \t]+([^ \t]+)[ \t]\[.+\]:[ \t])");
    static const Regex after(R"(SMTP error from remote (?:mail server|mailer) after (?:end of )?([A-Za-z]{4}))");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"This message was created automatically by mail delivery software."}),
                     [&](std::string_view e) {
                         if (rcpt.search(e, m))
                             c.addRecipient(m.str(1)).diagnosis = m.str(2);
                         else if (static_cast<int>(c.ds().size()) == c.recipients())
                             c.current().diagnosis += std::string(e) + " ";
                     });
    if (c.recipients() == 0) return std::nullopt;
    static const Regex localRe(R"(from[ \t]([^ ]+) )");
    std::string local;
    if (!head.received().empty() && localRe.search(head.received().back(), m)) local = m.str(1);
    for (auto& e : c.ds()) {
        if (e.lhost.empty()) e.lhost = local;
        e.diagnosis = sweep(dashes.replaceAll(e.diagnosis, ""));
        if (e.rhost.empty()) {
            if (hostIn.search(e.diagnosis, m)) {
                e.rhost = m.str(1);
            } else if (!head.received().empty()) {
                auto hosts = receivedHosts(head.received().back());
                if (!hosts.empty()) e.rhost = hosts.back();
            }
        }
        if (e.command.empty()) {
            if (after.search(e.diagnosis, m)) e.command = upper(m[1]);
            if (e.command == "MAIL") {
                e.reason = "rejected";
            } else if (e.command == "HELO" || e.command == "EHLO") {
                e.reason = "blocked";
            } else {
                e.reason = eximReason(e.diagnosis);  // MXLogic runs Exim
            }
        }
    }
    return c.take(std::move(rfc822));
}

}  // namespace v2v::bounce
