// Postfix bounce(8) reports: "The mail system" text part with "<addr>: error"
// paragraphs, plus an RFC 3464 delivery-status part (X-Postfix diagnostics).
#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {

std::optional<ReaderResult> readPostfix(const Headers& head, std::string_view body) {
    if (head.get("subject") != "Undelivered Mail Returned to Sender") return std::nullopt;
    if (!head.get("x-aol-ip").empty()) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ](?:message/rfc822|text/rfc822-headers))", Regex::multiline);
    static const Regex marker(R"(\A(?>
         [ ]+The[ ](?:
             Postfix[ ](?:program\z|on[ ].+[ ]program\z)
            |\w+[ ]Postfix[ ]program\z
            |mail[ \t]system\z
            |\w+[ \t]program\z
            )
        |This[ ]is[ ]the[ ](?:
             Postfix[ ]program
            |\w+[ ]Postfix[ ]program
            |\w+[ ]program
            |mail[ ]system[ ]at[ ]host
            )
        ))",
                              Regex::extended);
    static const Regex folded(R"(\A[ \t]+(.+)\z)");
    static const Regex sender(R"(\A(X-Postfix-Sender):[ ]*rfc822;[ ]*(.+)\z)");
    static const Regex inReplyTo(R"([ \t][(]in reply to (?:end of )?([A-Z]{4}).*)");
    static const Regex commandParen(R"(([A-Z]{4})[ \t]*.*command[)]\z)");
    static const Regex expanded(R"(\A[<]([^ ]+[@][^ ]+)[>] [(]expanded from [<](.+)[>][)]:[ \t]*(.+)\z)");
    static const Regex addrLine(R"(\A[<]([^ ]+[@][^ ]+)[>]:(.*)\z)");
    static const Regex indented(R"(\A[ \t]{4}(.+)\z)");

    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    struct {
        std::string recipient, alias, diagnosis;
    } another;
    std::vector<std::string> commands;
    bool noMessages = false, reading = false;
    std::string prev;
    Match m;
    for (std::string_view line : splitLines(errorPart)) {
        std::string e(line);
        if (!reading) {
            if (marker.test(e)) reading = true;
            prev = e;
            continue;
        }
        if (e.empty()) {
            prev = e;
            continue;
        }
        if (dsnFieldClass(e)) {
            if (auto o = parseDsnField(e)) {
                DeliveryStatus& v = c.current();
                if (o->group == 'c') {
                    v.spec = o->type == "X-POSTFIX" ? "SMTP" : o->type;
                    v.diagnosis = o->value;
                } else {
                    c.feed(e);
                }
            }
        } else if (startsWith(prev, "Diagnostic-Code:") && folded.search(e, m)) {
            c.current().diagnosis += " " + m.str(1);
            e = "Diagnostic-Code: " + e;
        } else if (sender.search(e, m)) {
            rfc822 += m.str(1) + ": " + m.str(2) + "\n";
        } else if (inReplyTo.search(e, m) || commandParen.search(e, m)) {
            commands.push_back(m.str(1));
            if (!another.diagnosis.empty()) another.diagnosis += " " + e;
        } else if (expanded.search(e, m)) {
            another.recipient = m.str(1);
            another.alias = m.str(2);
            another.diagnosis = m.str(3);
        } else if (addrLine.search(e, m)) {
            another.recipient = m.str(1);
            another.diagnosis = m.str(2);
        } else if (contains(e, "--- Delivery report unavailable ---")) {
            noMessages = true;
        } else if (!another.diagnosis.empty() && indented.test(e)) {
            another.diagnosis += " " + e;
        }
        prev = e;
    }
    int recipients = c.recipients();
    if (recipients == 0) {
        static const Regex to(R"(^To:[ ]*(.+))", Regex::multiline);
        if (!another.recipient.empty()) {
            c.current().recipient = another.recipient;
            ++recipients;
        } else if (noMessages && to.search(rfc822, m)) {
            c.current().recipient = firstAddress(m[1]);
            ++recipients;
        }
    }
    if (recipients == 0) return std::nullopt;
    c.applyPerMessage();
    static const Regex digits(R"(\A\d+\z)");
    static const Regex refused(R"(refused to talk to me:)");
    static const Regex hostSaid(R"(host .+ said:)");
    std::size_t next = 0;
    for (auto& e : c.ds()) {
        if (!another.diagnosis.empty()) {
            if (e.diagnosis.empty()) e.diagnosis = another.diagnosis;
            if (digits.test(e.diagnosis)) {
                e.diagnosis = another.diagnosis;
            } else {
                std::string as, ar;
                if (e.status.empty() || endsWith(e.status, ".0.0")) {
                    as = findStatus(another.diagnosis);
                    if (!as.empty() && !endsWith(as, ".0.0")) e.status = as;
                }
                if (e.replycode.empty() || endsWith(e.replycode, "00")) {
                    ar = findReplyCode(another.diagnosis);
                    if (!ar.empty() && !endsWith(ar, "00")) e.replycode = ar;
                }
                if (!as.empty() || (!ar.empty() && another.diagnosis.size() > e.diagnosis.size()))
                    e.diagnosis = another.diagnosis;
            }
        }
        e.diagnosis = sweep(e.diagnosis);
        e.command = next < commands.size() ? commands[next++] : "";
        if (e.command.empty() && refused.test(e.diagnosis)) e.command = "HELO";
        if (e.spec.empty() && hostSaid.test(e.diagnosis)) e.spec = "SMTP";
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

}  // namespace v2v::bounce
