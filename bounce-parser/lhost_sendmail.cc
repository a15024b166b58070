// Sendmail reports: "----- Transcript of session follows -----" with the
// SMTP transcript (">>> RCPT TO", "<<< 550 ..."), an RFC 3464 part in V8;
// and the older Sendmail 5 format without a delivery-status part.
#include "report_address.h"
#include "lhost_util.h"

namespace v2v::bounce {

std::optional<ReaderResult> readSendmail(const Headers& head, std::string_view body) {
    static const Regex subject(R"((?:see transcript for details\z|\AWarning: ))");
    if (!subject.test(head.get("subject")) || !head.get("x-aol-ip").empty()) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ](?:message/rfc822|text/rfc822-headers))", Regex::multiline);
    static const Regex command(R"(\A[>]{3}[ ]+([A-Z]{4})[ ]?)");
    static const Regex reply(R"(\A[<]{3}[ ]+(.+)\z)");
    static const Regex addrError(R"(\A[<](.+)[>][.]+ (.+)\z)");
    static const Regex codeLine(R"(\A[45]\d\d[ \t]([45][.]\d[.]\d)[ \t].+)");
    static const Regex folded(R"(\A[ \t]+(.+)\z)");

    auto [errorPart, rfc822] = fillet(body, backbone);
    std::string commandText;
    std::vector<std::string> replies;
    bool sessionErr = false;
    std::string anotherStatus, anotherDiag;
    Match m;
    auto other = [&](std::string_view e, std::string_view prev, DsnCollector& c) {
        if (!startsWith(e, " ")) {
            if (command.search(e, m)) {
                commandText = m.str(1);
            } else if (reply.search(e, m)) {
                std::string r = m.str(1);
                bool seen = false;
                for (const auto& x : replies) seen = seen || x == r;
                if (!seen) replies.push_back(r);
            } else if (!sessionErr) {
                if (startsWith(e, "... while talking to ")) {
                    sessionErr = true;
                } else if (addrError.search(e, m)) {
                    anotherDiag = m.str(2);
                } else if (codeLine.search(e, m)) {
                    anotherStatus = m.str(1);
                    anotherDiag += " " + std::string(e);
                } else if (startsWith(e, "Message: ") || startsWith(e, "Warning: ")) {
                    anotherDiag += " " + std::string(e);
                }
            }
        } else if (startsWith(prev, "Diagnostic-Code:") && folded.search(e, m)) {
            c.current().diagnosis += " " + m.str(1);
        }
    };
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"   ----- Transcript of session follows -----"}), true,
                                  other);
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage();
    static const Regex blank(R"(\A[ \t]+\z)");
    static const Regex digits(R"(\A\d+\z)");
    static const Regex validStatus(R"(\A[45][.]\d[.]\d{1,3}\z)");
    static const Regex plainAddr(R"(\A[^ ]+[@][^ ]+\z)");
    static const Regex bracketAddr(R"([<]([^ ]+[@][^ ]+)[>])");
    for (auto& e : c.ds()) {
        if (e.command.empty()) e.command = commandText;
        if (e.command.empty() && !replies.empty()) e.command = "EHLO";
        if (!anotherDiag.empty()) {
            if (blank.test(e.diagnosis)) e.diagnosis = anotherDiag;
            if (e.diagnosis.empty()) e.diagnosis = anotherDiag;
            if (digits.test(e.diagnosis)) e.diagnosis = anotherDiag;
        }
        if (!replies.empty()) {
            std::string r;
            for (const auto& x : replies) appendSep(r, " ", x);
            if (r.size() > e.diagnosis.size()) e.diagnosis = r;
        }
        e.diagnosis = sweep(e.diagnosis);
        if (!anotherStatus.empty() && (e.status.empty() || !validStatus.test(e.status))) e.status = anotherStatus;
        if (!plainAddr.test(e.recipient) && bracketAddr.search(e.diagnosis, m)) e.recipient = m.str(1);
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readV5sendmail(const Headers& head, std::string_view body) {
    static const Regex subject(R"(\AReturned mail: [A-Z])");
    if (!subject.test(head.get("subject"))) return std::nullopt;
    static const Regex backbone(R"(^[ ]+-----[ ](?:Unsent[ ]message[ ]follows|No[ ]message[ ]was[ ]collected)[ ]-----)",
                                Regex::multiline | Regex::extended);
    static const Regex error(R"(\A[.]+ while talking to .+[:]\z)");
    static const Regex rcptLine(R"(\A\d{3}[ \t]+[<]([^ ]+[@][^ ]+)[>][.]{3}[ \t]*(.+)\z)");
    static const Regex command(R"(\A[>]{3}[ \t]*([A-Z]{4})[ \t]*)");
    static const Regex reply(R"(\A[<]{3}[ ]+(.+)\z)");
    static const Regex other(R"(\A\d{3}[ \t]+.+[.]{3}[ \t]*(.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    if (rfc822.empty()) return std::nullopt;
    std::vector<DeliveryStatus> ds(1);
    std::vector<bool> sessionErr(1, false);
    std::vector<std::string> responding, commands;
    auto at = [](std::vector<std::string>& v, std::size_t i) -> std::string& {
        if (v.size() <= i) v.resize(i + 1);
        return v[i];
    };
    std::string anotherDiag;
    std::size_t recipients = 0;
    bool reading = false;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading) {
            reading = contains(e, "----- Transcript of session follows -----");
            continue;
        }
        if (e.empty()) continue;
        if (rcptLine.search(e, m)) {
            if (!ds.back().recipient.empty()) {
                ds.emplace_back();
                sessionErr.push_back(false);
            }
            ds.back().recipient = m.str(1);
            ds.back().diagnosis = m.str(2);
            if (!at(responding, recipients).empty()) ds.back().diagnosis += ": " + responding[recipients];
            ++recipients;
        } else if (command.search(e, m)) {
            at(commands, recipients) = m.str(1);
        } else if (reply.search(e, m)) {
            at(responding, recipients) = m.str(1);
        } else if (!sessionErr.back()) {
            if (error.test(e)) {
                sessionErr.back() = true;
                continue;
            }
            if (other.search(e, m)) anotherDiag = m.str(1);
        }
    }
    if (recipients == 0) {
        static const Regex to(R"(^To:[ ]*(.+))", Regex::multiline);
        if (to.search(rfc822, m)) {
            ds[0].recipient = firstAddress(m[1]);
            recipients = 1;
        }
    }
    if (recipients == 0) return std::nullopt;
    static const Regex plainAddr(R"(\A[^ ]+[@][^ ]+\z)");
    static const Regex bracketAddr(R"([<]([^ ]+[@][^ ]+)[>])");
    for (std::size_t i = 0; i < ds.size(); ++i) {
        auto& e = ds[i];
        e.command = at(commands, i);
        if (e.diagnosis.empty()) e.diagnosis = anotherDiag.empty() ? at(responding, i) : anotherDiag;
        e.diagnosis = sweep(e.diagnosis);
        if (!plainAddr.test(e.recipient) && bracketAddr.search(e.diagnosis, m)) e.recipient = m.str(1);
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

}  // namespace v2v::bounce
