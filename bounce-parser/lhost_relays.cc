// Reports of hosted relays and filters: MessageLabs (Symantec), SurfControl,
// m-FILTER, Trend Micro InterScan MSS, PowerMTA, SendGrid.
#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {

std::optional<ReaderResult> readMessageLabs(const Headers& head, std::string_view body) {
    if (!head.has("x-msg-ref") || !contains(head.get("from"), "MAILER-DAEMON@messagelabs.com") ||
        !startsWith(head.get("subject"), "Mail Delivery Failure"))
        return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]text/rfc822-headers)", Regex::multiline);
    static const Regex unknown(R"((?:542 .+ Rejected|No such user))");
    static const Regex auth(R"(Please turn on SMTP Authentication in your mail client)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"Content-Type: message/delivery-status"}));
    auto r = finishDsn(c, std::move(rfc822));
    if (r)
        for (auto& e : r->ds) {
            if (unknown.test(e.diagnosis)) e.reason = "userunknown";
            else if (auth.test(e.diagnosis)) e.reason = "securityerror";
        }
    return r;
}

std::optional<ReaderResult> readSurfControl(const Headers& head, std::string_view body) {
    if (head.get("x-sef-processed").empty() || head.get("x-mailer") != "SurfControl E-mail Filter")
        return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt(R"(\AAddressed To:[ \t]*([^ ]+?[@][^ ]+?)\z)");
    static const Regex date(R"(\A(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)[ \t,])");
    static const Regex error(R"(\A[^ ]+[@][^ ]+:[ \t]*\[(\d+[.]\d+[.]\d+[.]\d)\],[ \t]*(.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    auto other = [&](std::string_view e, std::string_view prev, DsnCollector& col) {
        DeliveryStatus& v = col.current();
        if (rcpt.search(e, m)) {
            col.addRecipient(m.str(1));
        } else if (date.test(e)) {
            v.date = std::string(e);
        } else if (error.search(e, m)) {
            v.rhost = m.str(1);
            v.diagnosis = m.str(2);
        } else if (dsnFieldClass(e)) {
            auto o = parseDsnField(e);
            if (!o || o->name == "final-recipient") return;
            if (auto t = DsnCollector::target(o->name); !t.empty()) fieldOf(v, t) = o->value;
        } else {
            col.continuation(e, prev);
        }
    };
    // Every line goes through `other`: the report's own lines come before its fields.
    forEachLineWithPrev(errorPart, startsWithAny({"Your message could not be sent."}),
                        [&](std::string_view e, std::string_view prev) { other(e, prev, c); });
    if (c.recipients() == 0) return std::nullopt;
    for (auto& e : c.ds()) e.diagnosis = sweep(e.diagnosis);
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readmFILTER(const Headers& head, std::string_view body) {
    if (head.get("x-mailer") != "m-FILTER" || head.get("subject") != "failure notice") return std::nullopt;
    static const Regex backbone(R"(^-------original[ ](?:message|mail[ ]info))", Regex::multiline);
    static const Regex message(R"(\A[^ ]+[@][^ ]+[.][a-zA-Z]+\z)");
    static const Regex rcpt(R"(\A([^ ]+[@][^ ]+)\z)");
    static const Regex command(R"(\A[A-Z]{4})");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    bool markCommand = false;
    Match m;
    auto line = [&](std::string_view e) {
        DeliveryStatus& v = c.current();
        if (rcpt.search(e, m)) {
            c.addRecipient(m.str(1));
        } else if (command.test(e)) {
            if (v.command.empty() && markCommand) v.command = std::string(e);
        } else if (e == "-------server message") {
        } else if (e == "-------SMTP command") {
            markCommand = true;
        } else if (!startsWith(e, "-") && v.diagnosis.empty()) {
            v.diagnosis = std::string(e);
        }
    };
    forEachLineAfter(errorPart, matches(message), line, true);
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (head.received().empty()) continue;
        if (e.lhost.empty()) {
            auto first = receivedHosts(head.received().front());
            if (!first.empty()) e.lhost = first.front();
        }
        for (const auto& h : receivedHosts(head.received().back()))
            if (contains(h, ".")) e.rhost = h;
    }
    return c.take(std::move(rfc822));
}

std::optional<ReaderResult> readInterScanMSS(const Headers& head, std::string_view body) {
    const std::string& from = head.get("from");
    const std::string& subject = head.get("subject");
    bool match = startsWith(from, "\"InterScan MSS\"") || startsWith(from, "\"InterScan Notification\"") ||
                 subject == "Mail could not be delivered" ||
                 subject == "\xE3\x83\xA1\xE3\x83\x83\xE3\x82\xBB\xE3\x83\xBC\xE3\x82\xB8\xE3\x82\x92\xE9\x85\x8D"
                            "\xE4\xBF\xA1\xE3\x81\xA7\xE3\x81\x8D\xE3\x81\xBE\xE3\x81\x9B\xE3\x82\x93\xE3\x80\x82" ||
                 subject == "\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB\xE9\x85\x8D\xE4\xBF\xA1\xE3\x81\xAB\xE5\xA4\xB1"
                            "\xE6\x95\x97\xE3\x81\x97\xE3\x81\xBE\xE3\x81\x97\xE3\x81\x9F";
    if (!match) return std::nullopt;
    static const Regex backbone(R"(^Content-type:[ ]message/rfc822)", Regex::multiline);
    static const Regex r1(R"(\A.+[<>]{3}[ \t]+.+[<]([^ ]+[@][^ ]+)[>]\z)");
    static const Regex r2(R"(\A.+[<>]{3}[ \t]+.+[<]([^ ]+[@][^ ]+)[>])");
    static const Regex r3(R"(\A(?:Reason:[ ]+)?Unable[ ]to[ ]deliver[ ]message[ ]to[ ][<](.+)[>])");
    static const Regex unable(R"(Unable[ ]to[ ]deliver[ ])");
    static const Regex sent(R"(\ASent[ \t]+[<]{3}[ \t]+([A-Z]{4})[ \t])");
    static const Regex received(R"(\AReceived[ \t]+[>]{3}[ \t]+(\d{3}[ \t]+.+)\z)");
    static const Regex arrows(R"([ ][<>]{3}[ ])");
    static const Regex cmd(R"([ ][>]{3}[ ]([A-Z]{4}))");
    static const Regex reply(R"([ ][<]{3}[ ](.+))");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    std::size_t recipients = 0;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (e.empty()) continue;
        DeliveryStatus* v = &ds.back();
        if (r1.search(e, m) || r2.search(e, m) || r3.search(e, m)) {
            std::string cr = m.str(1);
            if (!v->recipient.empty() && cr != v->recipient) {
                ds.emplace_back();
                v = &ds.back();
            }
            v->recipient = cr;
            if (unable.test(e)) v->diagnosis = std::string(e);
            recipients = ds.size();
        }
        if (sent.search(e, m)) {
            v->command = m.str(1);
        } else if (received.search(e, m)) {
            v->diagnosis = m.str(1);
        } else if (arrows.test(e)) {
            if (cmd.search(e, m)) v->command = m.str(1);
            if (reply.search(e, m)) v->diagnosis = m.str(1);
        }
    }
    if (recipients == 0) return std::nullopt;
    for (auto& e : ds) {
        e.diagnosis = sweep(e.diagnosis);
        if (contains(e.diagnosis, "Unable to deliver")) e.reason = "userunknown";
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

std::optional<ReaderResult> readPowerMTA(const Headers& head, std::string_view body) {
    if (!contains(head.get("subject"), "Delivery report")) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]text/rfc822-headers)", Regex::multiline);
    static const Regex category(R"(\AX-PowerMTA-BounceCategory:[ ]*(.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<std::string> categories(1);
    Match m;
    DsnCollector c = readDsnLines(
        errorPart, [](std::string_view e) { return contains(e, "Hello, this is the mail server on "); }, true,
        [&](std::string_view e, std::string_view, DsnCollector& col) {
            categories.resize(col.ds().size());
            if (category.search(e, m)) categories.back() = m.str(1);
        });
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage(false);
    static const std::pair<const char*, const char*> table[] = {
        {"bad-domain", "hostunknown"},          {"bad-mailbox", "userunknown"},
        {"inactive-mailbox", "disabled"},       {"message-expired", "expired"},
        {"no-answer-from-host", "networkerror"}, {"policy-related", "policyviolation"},
        {"quota-issues", "mailboxfull"},        {"routing-errors", "systemerror"},
        {"spam-related", "spamdetected"},
    };
    categories.resize(c.ds().size());
    for (std::size_t i = 0; i < c.ds().size(); ++i) {
        auto& e = c.ds()[i];
        e.diagnosis = sweep(e.diagnosis);
        e.reason.clear();
        for (const auto& [cat, reason] : table)
            if (categories[i] == cat) e.reason = reason;
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readSendGrid(const Headers& head, std::string_view body) {
    if (head.get("return-path") != "<apps@sendgrid.net>" ||
        head.get("subject") != "Undelivered Mail Returned to Sender")
        return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex inCommand(R"(.+ in (?:End of )?([A-Z]{4}).*\z)");
    static const Regex diagAny(R"(\ADiagnostic-Code:[ ]*(.+))");
    static const Regex replyClass(R"(\b([45])\d\d[ \t]*)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::string command;
    Match m;
    DsnCollector c;
    auto line = [&](std::string_view e, std::string_view prev) {
        if (dsnFieldClass(e)) {
            auto o = parseDsnField(e);
            if (!o) {
                if (diagAny.search(e, m)) c.current().diagnosis = m.str(1);
            } else if (o->group != 'd') {
                c.feed(e);
            }
        } else if (inCommand.search(e, m)) {
            command = m.str(1);
        } else {
            c.continuation(e, prev);
        }
    };
    forEachLineWithPrev(errorPart, startsWithAny({"This is an automatically generated message from SendGrid."}), line);
    if (c.recipients() == 0) return std::nullopt;
    auto& per = c.perMessage();
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (replyClass.search(e.diagnosis, m)) e.status = m.str(1) + ".0.0";
        if (e.status == "5.0.0" || e.status == "4.0.0") {
            std::string s = findStatus(e.diagnosis);
            if (!s.empty()) e.status = s;
        }
        if (e.lhost.empty() && per.count("rhost")) e.lhost = per["rhost"];
        if (e.command.empty()) e.command = command;
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

}  // namespace v2v::bounce
