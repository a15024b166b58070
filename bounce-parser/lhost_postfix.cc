// Postfix bounce(8) reports: "The mail system" text part with "<addr>: error"
// paragraphs, plus an RFC 3464 delivery-status part (X-Postfix diagnostics).
#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {

namespace {

// What the text part says besides the DSN fields.
struct PostfixText {
    DsnCollector c;
    std::string recipient, alias, diagnosis;  // the "<addr>: error" paragraph
    std::vector<std::string> commands;        // "(in reply to RCPT TO command)", in order
    std::string senderHeader;                 // X-Postfix-Sender, kept with the returned headers
    bool noMessages = false;                  // "--- Delivery report unavailable ---"
};

PostfixText readPostfixText(std::string_view errorPart) {
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
    PostfixText t;
    bool reading = false;
    std::string prev;
    Match m;
    for (std::string_view line : splitLines(errorPart)) {
        std::string e(line);
        if (!reading || e.empty()) {
            reading = reading || marker.test(e);
            prev = e;
            continue;
        }
        if (dsnFieldClass(e)) {
            if (auto o = parseDsnField(e)) {
                DeliveryStatus& v = t.c.current();
                if (o->group == 'c') {
                    v.spec = o->type == "X-POSTFIX" ? "SMTP" : o->type;
                    v.diagnosis = o->value;
                } else {
                    t.c.feed(e);
                }
            }
        } else if (startsWith(prev, "Diagnostic-Code:") && folded.search(e, m)) {
            t.c.current().diagnosis += " " + m.str(1);
            e = "Diagnostic-Code: " + e;  // a second folded line continues it too
        } else if (sender.search(e, m)) {
            t.senderHeader += m.str(1) + ": " + m.str(2) + "\n";
        } else if (inReplyTo.search(e, m) || commandParen.search(e, m)) {
            t.commands.push_back(m.str(1));
            if (!t.diagnosis.empty()) t.diagnosis += " " + e;
        } else if (expanded.search(e, m)) {
            t.recipient = m.str(1);
            t.alias = m.str(2);
            t.diagnosis = m.str(3);
        } else if (addrLine.search(e, m)) {
            t.recipient = m.str(1);
            t.diagnosis = m.str(2);
        } else if (contains(e, "--- Delivery report unavailable ---")) {
            t.noMessages = true;
        } else if (!t.diagnosis.empty() && indented.test(e)) {
            t.diagnosis += " " + e;
        }
        prev = e;
    }
    return t;
}

// Prefers the text part's error when it has a more precise status or reply code.
void mergeTextDiagnosis(DeliveryStatus& e, const std::string& text) {
    static const Regex digits(R"(\A\d+\z)");
    if (text.empty()) return;
    if (e.diagnosis.empty()) e.diagnosis = text;
    if (digits.test(e.diagnosis)) {
        e.diagnosis = text;
        return;
    }
    std::string as, ar;
    if (e.status.empty() || endsWith(e.status, ".0.0")) {
        as = findStatus(text);
        if (!as.empty() && !endsWith(as, ".0.0")) e.status = as;
    }
    if (e.replycode.empty() || endsWith(e.replycode, "00")) {
        ar = findReplyCode(text);
        if (!ar.empty() && !endsWith(ar, "00")) e.replycode = ar;
    }
    if (!as.empty() || (!ar.empty() && text.size() > e.diagnosis.size())) e.diagnosis = text;
}

}  // namespace

std::optional<ReaderResult> readPostfix(const Headers& head, std::string_view body) {
    if (head.get("subject") != "Undelivered Mail Returned to Sender") return std::nullopt;
    if (!head.get("x-aol-ip").empty()) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ](?:message/rfc822|text/rfc822-headers))", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    PostfixText t = readPostfixText(errorPart);
    rfc822 += t.senderHeader;
    DsnCollector& c = t.c;
    if (c.recipients() == 0) {
        static const Regex to(R"(^To:[ ]*(.+))", Regex::multiline);
        Match m;
        if (!t.recipient.empty())
            c.addRecipient(t.recipient);
        else if (t.noMessages && to.search(rfc822, m))
            c.addRecipient(firstAddress(m[1]));
    }
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage();
    static const Regex refused(R"(refused to talk to me:)");
    static const Regex hostSaid(R"(host .+ said:)");
    std::size_t next = 0;
    for (auto& e : c.ds()) {
        mergeTextDiagnosis(e, t.diagnosis);
        e.diagnosis = sweep(e.diagnosis);
        e.command = next < t.commands.size() ? t.commands[next++] : "";
        if (e.command.empty() && refused.test(e.diagnosis)) e.command = "HELO";
        if (e.spec.empty() && hostSaid.test(e.diagnosis)) e.spec = "SMTP";
    }
    return c.take(std::move(rfc822));
}

}  // namespace v2v::bounce
