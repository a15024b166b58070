// Reports of mailbox providers: AOL, Bigfoot, BIGLOBE, 1&1, GMX, Yandex, Zoho.
#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {

std::optional<ReaderResult> readAol(const Headers& head, std::string_view body) {
    if (head.get("x-aol-ip").empty()) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"Content-Type: message/delivery-status"}));
    static const PhraseTable phrases = {
        {"hostunknown", {"Host or domain name not found"}},
        {"notaccept", {"type=MX: Malformed or unexpected name server reply"}},
    };
    return finishDsn(c, std::move(rfc822), phrases, true);
}

std::optional<ReaderResult> readBigfoot(const Headers& head, std::string_view body) {
    if (!contains(head.get("from"), "@bigfoot.com>") && !anyReceived(head, ".bigfoot.com ")) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/partial)", Regex::multiline);
    static const Regex marker(R"(\A[ \t]+[-]+[ \t]*Transcript of session follows)");
    static const Regex command(R"(\A[>]{3}[ ]+([A-Z]{4})[ ]?)");
    static const Regex reply(R"(\A[<]{3}[ ]+(.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::string commandText, esmtpReply;
    Match m;
    DsnCollector c = readDsnLines(errorPart, matches(marker), true,
                                  [&](std::string_view e, std::string_view prev, DsnCollector& col) {
                                      if (!startsWith(e, " ")) {
                                          if (command.search(e, m)) commandText = m.str(1);
                                          else if (reply.search(e, m)) esmtpReply = m.str(1);
                                      } else {
                                          col.continuation(e, prev);
                                      }
                                  });
    auto r = finishDsn(c, std::move(rfc822));
    if (r)
        for (auto& e : r->ds) {
            if (e.command.empty()) e.command = commandText;
            if (e.command.empty() && !esmtpReply.empty()) e.command = "EHLO";
        }
    return r;
}

std::optional<ReaderResult> readBiglobe(const Headers& head, std::string_view body) {
    static const Regex from(R"(postmaster[@](?:biglobe|inacatv|tmtv|ttv)[.]ne[.]jp)");
    if (!from.test(head.get("from")) || !startsWith(head.get("subject"), "Returned mail:")) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\A([^ ]+[@][^ ]+)\z)");
    static const Regex nonWord(R"(\A[^\w])");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"   ----- The following addresses had delivery problems -----"}),
                     [&](std::string_view e) {
                         if (rcpt.search(e, m))
                             addIfEmailAddress(c, m[1]);
                         else if (!nonWord.test(e))
                             c.current().diagnosis += std::string(e) + " ";
                     });
    static const PhraseTable phrases = {
        {"filtered", {"Mail Delivery Failed... User unknown"}},
        {"mailboxfull", {"The number of messages in recipient's mailbox exceeded the local limit."}},
    };
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        std::string r = reasonFromPhrases(e.diagnosis, phrases);
        if (!r.empty()) e.reason = r;
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readEinsUndEins(const Headers& head, std::string_view body) {
    if (!startsWith(head.get("from"), "\"Mail Delivery System\"") ||
        head.get("subject") != "Mail delivery failed: returning message to sender")
        return std::nullopt;
    static const Regex backbone(R"(^---[ ]The[ ]header[ ]of[ ]the[ ]original[ ]message[ ]is[ ]following[.][ ]---)",
                                Regex::multiline);
    static const Regex rcpt(R"(\A([^ ]+[@][^ ]+?)[:]?\z)");
    static const Regex hostReason(R"(host:[ ]+(.+?)[ ]+.+[ ]+reason:.+)");
    static const char kError[] = "For the following reason:";
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({kEximPreamble}), [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(m.str(1));
        } else if (startsWith(e, kError)) {
            v.diagnosis = std::string(e);
        } else if (!v.diagnosis.empty()) {
            v.diagnosis += " " + std::string(e);
        } else {
            v.alterrors += " " + std::string(e);
        }
    });
    for (auto& e : c.ds()) {
        if (e.diagnosis.empty()) e.diagnosis = e.alterrors;
        e.alterrors.clear();
        if (hostReason.search(e.diagnosis, m)) {
            e.rhost = m.str(1);
            if (contains(e.diagnosis, "for TEXT command")) e.command = "DATA";
            if (contains(e.diagnosis, "SMTP error")) e.spec = "SMTP";
            e.status = findStatus(e.diagnosis);
        } else {
            for (std::size_t p = e.diagnosis.find(kError); p != std::string::npos; p = e.diagnosis.find(kError))
                e.diagnosis.erase(p, sizeof kError - 1);
        }
        e.diagnosis = sweep(e.diagnosis);
        if (contains(e.diagnosis, "Mail size limit exceeded")) e.reason = "mesgtoobig";
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readGMX(const Headers& head, std::string_view body) {
    if (!head.has("x-gmx-antispam")) return std::nullopt;
    static const Regex backbone(R"(^---[ ]The[ ]header[ ]of[ ]the[ ]original[ ]message[ ]is[ ]following[.][ ]---)",
                                Regex::multiline);
    static const Regex rcpt(R"(\A["]([^ ]+[@][^ ]+)["]:\z|\A[<]([^ ]+[@][^ ]+)[>]\z)");
    static const Regex command(R"(\ASMTP error .+ ([A-Z]{4}) command:\z)");
    static const Regex host(R"(\Ahost:[ \t]*(.+)\z)");
    static const Regex codeLike(R"(\b[45][.]\d[.]\d\b|[<][^ ]+[@][^ ]+[>]|\b[45]\d{2}\b)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({kEximPreamble}), [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(m.has(1) ? m.str(1) : m.str(2));
        } else if (command.search(e, m)) {
            v.command = m.str(1);
        } else if (host.search(e, m)) {
            v.rhost = m.str(1);
        } else if (codeLike.test(e)) {
            if (v.diagnosis.empty()) v.diagnosis = std::string(e);
        } else if (e == "Reason:" || v.diagnosis == "Reason:") {
            v.diagnosis = std::string(e);
        }
    });
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(joinLines(e.diagnosis));
        if (contains(e.diagnosis, "delivery retry timeout exceeded")) e.reason = "expired";
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readYandex(const Headers& head, std::string_view body) {
    if (head.get("x-yandex-uniq").empty() || head.get("from") != "mailer-daemon@yandex.ru") return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex inReply(R"([ \t][(]in reply to .*([A-Z]{4}).*)");
    static const Regex commandParen(R"(([A-Z]{4})[ \t]*.*command[)]\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<std::string> commands;
    Match m;
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"This is the mail system at host yandex.ru."}), true,
                                  [&](std::string_view e, std::string_view prev, DsnCollector& col) {
                                      if (inReply.search(e, m) || commandParen.search(e, m))
                                          commands.push_back(m.str(1));
                                      else
                                          col.continuation(e, prev);
                                  });
    auto r = finishDsn(c, std::move(rfc822), {}, true);
    if (r) {
        std::size_t i = 0;
        for (auto& e : r->ds) e.command = i < commands.size() ? commands[i++] : "";
    }
    return r;
}

std::optional<ReaderResult> readZoho(const Headers& head, std::string_view body) {
    if (head.get("x-zohomail").empty()) return std::nullopt;
    static const Regex backbone(R"(^Received:[ ]*from[ ]mail[.]zoho[.]com[ ]by[ ]mx[.]zohomail[.]com)", Regex::multiline);
    static const Regex rcpt(R"(\A([^ ]+[@][^ ]+)[ \t]+(.+)\z)");
    static const Regex statusLine(R"(\A\[Status: .+[<]([^ ]+[@][^ ]+)[>],)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    bool qprintable = false;
    Match m;
    forEachLineAfter(errorPart, startsWithAny({"This message was created automatically by mail delivery"}),
                     [&](std::string_view e) {
                         if (rcpt.search(e, m)) {
                             DeliveryStatus& v = c.addRecipient(m.str(1));
                             v.diagnosis = m.str(2);
                             if (endsWith(v.diagnosis, "=")) {
                                 v.diagnosis.pop_back();
                                 qprintable = true;
                             }
                         } else if (statusLine.search(e, m)) {
                             c.addRecipient(m.str(1)).diagnosis = std::string(e);
                         } else if (qprintable) {
                             c.current().diagnosis.append(e);
                         }
                     });
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(joinLines(e.diagnosis));
        if (contains(e.diagnosis, "Host not reachable")) e.reason = "expired";
    }
    return c.take(std::move(rfc822));
}

}  // namespace v2v::bounce
