// Readers for plain-text reports of a few MTAs and providers: Yahoo,
// OpenSMTPD, Oracle Messaging Server, and several unnamed MTAs (X1-X6).
#include "lhost_util.h"
#include "mime.h"
#include "report_address.h"
#include "smtp.h"

namespace v2v::bounce {

std::optional<ReaderResult> readYahoo(const Headers& head, std::string_view body) {
    if (head.get("x-ymailisg").empty()) return std::nullopt;
    static const Regex backbone(R"(^--- Below this line is a copy of the message[.])", Regex::multiline);
    static const Regex rcpt(R"(\A[<](.+[@].+)[>]:[ \t]*\z)");
    static const Regex command(R"(\[([A-Z]{4}).*\]\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"Sorry, we were unable to deliver your message"}), [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(m.str(1));
        } else if (startsWith(e, "Remote host said:")) {
            v.diagnosis = std::string(e);
            if (command.search(e, m)) v.command = m.str(1);
        } else if (v.diagnosis == "Remote host said:") {
            if (command.search(e, m))
                v.command = m.str(1);
            else
                v.diagnosis = std::string(e);
        } else {
            v.diagnosis += " " + std::string(e);
        }
    });
    static const Regex addr(R"([<].+[@].+[>])");
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(joinLines(e.diagnosis));
        if (e.command.empty() && addr.test(e.diagnosis)) e.command = "RCPT";
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readOpenSMTPD(const Headers& head, std::string_view body) {
    if (!contains(head.get("subject"), "Delivery status notification") ||
        !contains(head.get("from"), "Mailer Daemon <") || !anyReceived(head, " (OpenSMTPD) with "))
        return std::nullopt;
    static const Regex backbone(R"(^[ ]+Below is a copy of the original message:)", Regex::multiline);
    static const Regex rcpt(R"(\A([^ ]+?[@][^ ]+?):?[ ](.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"    This is the MAILER-DAEMON, please DO NOT REPLY to this"}),
                     [&](std::string_view e) {
                         if (rcpt.search(e, m)) c.addRecipient(m.str(1)).diagnosis = m.str(2);
                     });
    static const PhraseTable messages = {
        {"expired", {"Envelope expired"}},
        {"hostunknown", {"Invalid domain name", "Domain does not exist"}},
        {"notaccept", {"Destination seem to reject all mails"}},
        {"networkerror",
         {"Address family mismatch on destination MXs", "All routes to destination blocked", "bad DNS lookup error code",
          "Could not retrieve source address", "Loop detected", "Network error on destination MXs",
          "No MX found for domain", "No MX found for destination", "No valid route to remote MX",
          "No valid route to destination", "Temporary failure in MX lookup"}},
        {"securityerror", {"Could not retrieve credentials"}},
    };
    return finishDsn(c, std::move(rfc822), messages);
}

std::optional<ReaderResult> readMessagingServer(const Headers& head, std::string_view body) {
    if (!contains(head.get("content-type"), "Boundary_(ID_") &&
        !startsWith(head.get("subject"), "Delivery Notification: "))
        return std::nullopt;
    static const Regex backbone(R"(^(?:Content-type:[ \t]*message/rfc822|Return-path:[ \t]*))", Regex::multiline);
    static const Regex rcpt(R"(\A[ \t]+Recipient address:[ \t]*([^ ]+[@][^ ]+)\z)");
    static const Regex original(R"(\A[ \t]+Original address:[ \t]*([^ ]+[@][^ ]+)\z)");
    static const Regex date(R"(\A[ \t]+Date:[ \t]*(.+)\z)");
    static const Regex reason(R"(\A[ \t]+Reason:[ \t]*(.+)\z)");
    static const Regex diag(R"(\A[ \t]+Diagnostic code:[ \t]*([^ ]+);(.+)\z)");
    static const Regex remote(R"(\A[ \t]+Remote system:[ \t]*dns;([^ ]+)[ \t]*([^ ]+)[ \t]*.+\z)");
    static const Regex session(R"(\A[(]TCP|(.+)|\d+|(.+)|\d+[)])");
    static const Regex twoLabels(R"([^.]+[.][^.]+)");
    static const Regex status(R"(\AStatus:[ \t]*(\d[.]\d[.]\d)[ \t]*[(](.+)[)]\z)");
    static const Regex arrival(R"(\AArrival-Date:[ ]*(.+)\z)");
    static const Regex reporting(R"(\AReporting-MTA:[ ]*(?:DNS|dns);[ ]*(.+)\z)");
    static const Regex fqdn(R"([^.]+[.][^ ]+)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    auto line = [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(firstAddress(m[1]));
        } else if (original.search(e, m)) {
            v.recipient = firstAddress(m[1]);
        } else if (date.search(e, m)) {
            v.date = m.str(1);
        } else if (reason.search(e, m)) {
            v.diagnosis = m.str(1);
        } else if (diag.search(e, m)) {
            v.spec = upper(m[1]);
            v.diagnosis = m.str(2);
        } else if (remote.search(e, m)) {
            std::string host = m.str(1), sessionLog = m.str(2);
            v.rhost = host;
            if (session.search(sessionLog, m)) {
                v.lhost = m.str(1);
                if (!twoLabels.test(host)) v.rhost = m.str(2);
            }
        } else if (status.search(e, m)) {
            v.status = m.str(1);
            if (v.diagnosis.empty()) v.diagnosis = m.str(2);
        } else if (arrival.search(e, m)) {
            if (v.date.empty()) v.date = m.str(1);
        } else if (reporting.search(e, m)) {
            if (v.lhost.empty() || !fqdn.test(v.lhost)) v.lhost = m.str(1);
        }
    };
    forEachLineAfter(errorPart,
                     startsWithAny({"This report relates to a message you sent with the following header fields:"}),
                     line);
    return finishDsn(c, std::move(rfc822), {{"hostunknown", {"Illegal host/domain name found"}}});
}

std::optional<ReaderResult> readX1(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("subject"), "Returned Mail: ") ||
        !startsWith(head.get("from"), "\"Mail Deliver System\" "))
        return std::nullopt;
    static const Regex backbone(R"(^Received: from \d+[.]\d+[.]\d+[.]\d)", Regex::multiline);
    static const Regex message(R"(\AThe original message was received at (.+)\z)");
    static const Regex rcpt(R"(\A([^ ]+?[@][^ ]+?)[ \t]+\[(.+)\]\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    std::string date;
    Match m;
    forEachLineAfter(errorPart, matches(message), [&](std::string_view e) {
        if (rcpt.search(e, m))
            c.addRecipient(m.str(1)).diagnosis = m.str(2);
        else if (message.search(e, m))
            date = m.str(1);
    });
    for (auto& e : c.ds()) e.date = date;
    return finishDsn(c, std::move(rfc822));
}

std::optional<ReaderResult> readX2(const Headers& head, std::string_view body) {
    static const Regex subject(R"(\A(?>Delivery[ ]failure|fail(?:ure|ed)[ ]delivery))");
    if (!contains(head.get("from"), "MAILER-DAEMON@") || !subject.test(head.get("subject"))) return std::nullopt;
    static const Regex backbone(R"(^--- Original message follows[.])", Regex::multiline);
    static const Regex rcpt(R"(\A[<]([^ ]+[@][^ ]+)[>]:\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"Unable to deliver message to the following address"}),
                     [&](std::string_view e) {
                         if (rcpt.search(e, m))
                             c.addRecipient(m.str(1));
                         else
                             c.current().diagnosis += " " + std::string(e);
                     });
    return finishDsn(c, std::move(rfc822));
}

std::optional<ReaderResult> readX3(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("from"), "Mail Delivery System") ||
        !startsWith(head.get("subject"), "Delivery status notification"))
        return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\A[ \t]+[*][ \t]([^ ]+[@][^ ]+)\z)");
    static const Regex smtp(R"(\ASMTP:([^ ]+)[ \t](.+)\z)");
    static const Regex routing(R"(\ARouting: (.+))");
    static const Regex diag(R"(\ADiagnostic-Code: smtp; (.+))");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart,
                     startsWithAny({"      This is an automatically generated Delivery Status Notification."}),
                     [&](std::string_view e) {
                         DeliveryStatus& v = c.current();
                         if (rcpt.search(e, m)) {
                             c.addRecipient(m.str(1));
                         } else if (smtp.search(e, m)) {
                             v.command = upper(m[1]);
                             v.diagnosis = m.str(2);
                         } else if (routing.search(e, m) || diag.search(e, m)) {
                             v.diagnosis = m.str(1);
                         }
                     });
    auto r = finishDsn(c, std::move(rfc822));
    if (r)
        for (auto& e : r->ds) e.status = findStatus(e.diagnosis);
    return r;
}

std::optional<ReaderResult> readX5(const Headers& head, std::string_view body) {
    int match = 0;
    if (head.has("to") && contains(head.get("to"), "NotificationRecipients")) ++match;
    const std::string& from = head.get("from");
    if (contains(from, "TWFpbCBEZWxpdmVyeSBTdWJzeXN0ZW0")) {
        for (std::string_view f : splitChar(from, ' '))
            if (hasEncodedWord(f)) {
                if (contains(decodeEncodedWords(f), "Mail Delivery Subsystem")) ++match;
                break;
            }
    }
    // The Subject is already decoded here, so only To: and From: count.
    if (match < 2) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    Match m;
    std::string_view rest;
    if (backbone.search(body, m)) {
        rest = body.substr(m.end());
        std::size_t p = rest.find("\n\n");
        rest = p == std::string_view::npos ? std::string_view() : rest.substr(p + 2);
    }
    auto [errorPart, rfc822] = fillet(rest, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"Content-Type: message/delivery-status"}));
    for (auto& e : c.ds())
        if (e.diagnosis.empty()) e.diagnosis = sweep(e.diagnosis);
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readX6(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("subject"), "There was an error sending your mail")) return std::nullopt;
    static const Regex backbone(R"(^The attachment contains the original mail headers.+$)", Regex::multiline);
    static const Regex message(R"(\A\d+[ ]*error[(]s[)]:)");
    static const Regex angle(R"(<([^ @]+[@][^ @]+)>)");
    static const Regex errors(R"(errors:[ ]*([^ ]+[@][^ ]+))");
    static const Regex command(R"(\b(HELO|EHLO|MAIL|RCPT|DATA)\b)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, matches(message), [&](std::string_view e) {
        if (angle.search(e, m) || errors.search(e, m)) c.addRecipient(firstAddress(m[1])).diagnosis = std::string(e);
    });
    for (auto& e : c.ds())
        if (command.search(e.diagnosis, m)) e.command = m.str(1);
    return finishDsn(c, std::move(rfc822));
}

}  // namespace v2v::bounce
