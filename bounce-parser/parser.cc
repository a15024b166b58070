// Report parsing pipeline (see parser.h): read the MIME message, let the
// readers extract records, then classify each record (status code, reply
// code, reason, hard/soft) the way Sisimai 4.25's Data module does.
#include "parser.h"

#include <cstdlib>

#include "report_address.h"
#include "lhost.h"
#include "reason.h"
#include "pattern.h"
#include "smtp.h"
#include "text.h"

namespace v2v::bounce {
namespace {

// Host names as the reference keeps them: no brackets, first word, no trailing dot.
std::string cleanHost(std::string h) {
    std::string o;
    for (char c : h)
        if (c != '[' && c != ']' && c != '(' && c != ')') o += c;
    if (auto eq = o.rfind('='); eq != std::string::npos && eq > 0) o.erase(0, eq + 1);
    if (!o.empty() && o.back() == '\r') o.pop_back();
    if (auto sp = o.find(' '); sp != std::string::npos) o.resize(sp);
    if (!o.empty() && o.back() == '.') o.pop_back();
    return o;
}

std::size_t countWord(std::string_view text, std::string_view word) {
    std::size_t n = 0;
    auto isWord = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (std::size_t p = text.find(word); p != std::string_view::npos; p = text.find(word, p + 1)) {
        bool before = p == 0 || !isWord(text[p - 1]) || !isWord(word.front());
        std::size_t q = p + word.size();
        bool after = q >= text.size() || !isWord(text[q]) || !isWord(word.back());
        if (before && after) ++n;
    }
    return n;
}

// Removes repeated "550-5.1.1 " prefixes of multi-line replies from a diagnostic.
std::string stripReplyPrefixes(const std::string& diag, const std::string& status, const std::string& reply) {
    std::string d = diag;
    auto removeAll = [&](const std::string& prefix, bool withStatus) {
        // ";?[ ]REPLY[- ](?:STATUS)?" with REPLY either the code or any 4xx/5xx.
        std::string out;
        std::size_t i = 0;
        while (i < d.size()) {
            std::size_t j = i;
            if (d[j] == ';') ++j;
            bool ok = j < d.size() && d[j] == ' ';
            std::size_t k = j + 1;
            if (ok) {
                if (!prefix.empty()) {
                    ok = d.compare(k, prefix.size(), prefix) == 0;
                    k += prefix.size();
                } else {
                    ok = k + 3 <= d.size() && (d[k] == '4' || d[k] == '5') && std::isdigit((unsigned char)d[k + 1]) &&
                         std::isdigit((unsigned char)d[k + 2]);
                    k += 3;
                }
            }
            if (ok) ok = k < d.size() && (d[k] == '-' || d[k] == ' ');
            if (ok) {
                ++k;
                if (withStatus && !status.empty() && d.compare(k, status.size(), status) == 0) k += status.size();
                out += ' ';
                i = k;
            } else {
                out += d[i++];
            }
        }
        d = out;
    };
    removeAll(reply, true);
    removeAll("", true);
    static const Regex html(R"(<html>.+</html>)", Regex::icase);
    d = html.replaceAll(d, "");
    return sweep(d);
}

BounceRecord classify(DeliveryStatus e) {
    static const Regex validStatus(R"(\A[45][.][1-9][.][1-9]\z)");
    BounceRecord r;
    std::string rhost = cleanHost(e.rhost);
    std::string diag = e.diagnosis;
    if (!diag.empty() && diag.back() == '\r') diag.pop_back();
    std::string status = e.status, reply = e.replycode, spec = e.spec, action = e.action;
    if (!diag.empty()) {
        std::string vs = findStatus(diag), vr = findReplyCode(diag);
        std::size_t vm = 0;
        if (!vs.empty()) {
            vm += countWord(diag, vs);
            if (validStatus.test(vs)) status = vs;
        }
        if (!vr.empty()) {
            vm += countWord(diag, vr);
            if (reply.empty()) reply = vr;
        }
        if (vm > 2) diag = stripReplyPrefixes(diag, vs, vr);
    }
    if (spec.empty() && e.reason == "mailererror") spec = "X-UNIX";
    if (spec.empty() && e.reason != "feedback" && e.reason != "vacation") spec = "SMTP";
    std::string command = e.command;
    if (!(command == "EHLO" || command == "HELO" || command == "MAIL" || command == "RCPT" ||
          command == "DATA" || command == "QUIT"))
        command.clear();
    if (action.empty()) {
        if (e.reason == "expired") action = "delayed";
        else if (startsWith(status, "5") || startsWith(status, "4")) action = "failed";
    }
    if (reply.empty()) reply = findReplyCode(diag);

    std::string reason = e.reason;
    if (reason.empty() || isRetryReason(reason)) {
        Facts f{reason, status, diag, command, reply, spec, action, rhost, ""};
        std::string recipient = cleanRecipient(e.recipient);
        auto at = recipient.rfind('@');
        if (at != std::string::npos) f.destination = recipient.substr(at + 1);
        std::string decided = remoteHostReason(f);
        if (decided.empty()) decided = decideReason(f);
        reason = decided.empty() ? "undefined" : decided;
    }

    if (reason == "delivered" || reason == "feedback" || reason == "vacation") {
        r.hard = std::nullopt;
        if (reason != "delivered") reply.clear();
    } else {
        std::string text = status + " " + diag;
        if (startsWith(text, " ")) text.erase(0, 1);
        std::string sh = softOrHard(reason, text);
        bool known = !sh.empty();
        if (known) r.hard = sh == "hard";
        if (status.empty()) {
            std::string codeText = reply + " " + diag;
            if (startsWith(codeText, " ")) codeText.erase(0, 1);
            auto perm = isPermanent(codeText);
            bool temporary = perm.has_value() && !*perm;
            std::string pseudo = pseudoStatus(reason, temporary);
            if (!pseudo.empty()) {
                status = pseudo;
                if (!known) {
                    std::string sh2 = softOrHard(reason, pseudo);
                    if (!sh2.empty()) r.hard = sh2 == "hard";
                }
            }
        }
        if (!reply.empty() && (status.empty() || status[0] != reply[0])) reply.clear();
    }
    r.recipient = cleanRecipient(e.recipient);
    r.status = status;
    r.action = action;
    r.reason = reason;
    if (!reply.empty()) r.smtpCode = std::atoi(reply.c_str());
    r.diagnostic = diag;
    r.command = command;
    r.rhost = rhost;
    r.feedbackType = e.feedbacktype;
    r.agent = e.agent;
    return r;
}

// Correlation hints: ENVID, and Message-ID / Return-Path / X-V2V-* of the returned headers.
ReportHints collectHints(const Headers& head, std::string_view body, const std::string& rfc822) {
    static const Regex envid(R"(\AOriginal-Envelope-I[Dd]:[ \t]*(.+?)[ \t]*\z)", Regex::icase);
    static const Regex msgid(R"(\AMessage-ID:[ \t]*<([^<> ]{1,300})>)", Regex::icase);
    static const Regex retPath(R"(\A(?:Return-Path|X-Postfix-Sender):[ \t]*(?:rfc822;[ \t]*)?<?([^<> ]{1,300}@[^<> ]{1,300})>?)",
                               Regex::icase);
    static const Regex internal(R"(\AX-V2V-[A-Za-z0-9-]+:[ \t]*<?([0-9A-Za-z-]{26,40})>?)", Regex::icase);
    ReportHints h;
    Match m;
    auto addUnique = [](std::vector<std::string>& v, std::string s) {
        for (const auto& x : v)
            if (x == s) return;
        if (v.size() < 16) v.push_back(std::move(s));
    };
    auto prefixed = [](std::string_view line, std::string_view name) {
        if (line.size() < name.size()) return false;
        for (std::size_t i = 0; i < name.size(); ++i)
            if ((line[i] | 0x20) != (name[i] | 0x20)) return false;
        return true;
    };
    auto scan = [&](std::string_view text) {
        while (!text.empty()) {
            std::size_t nl = text.find('\n');
            std::string_view line = text.substr(0, nl);
            text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
            // Field-name prefix tests before the patterns.
            if (prefixed(line, "original-envelope-id:")) {
                if (h.envid.empty() && envid.search(line, m)) h.envid = m.str(1);
            } else if (prefixed(line, "message-id:")) {
                if (msgid.search(line, m)) addUnique(h.messageIds, m.str(1));
            } else if (prefixed(line, "return-path:") || prefixed(line, "x-postfix-sender:")) {
                if (retPath.search(line, m)) addUnique(h.returnPaths, m.str(1));
            } else if (prefixed(line, "x-v2v-")) {
                if (internal.search(line, m)) addUnique(h.internalIds, m.str(1));
            }
        }
    };
    scan(body);
    scan(rfc822);
    // Auto-replies and complaints often answer the message itself.
    static const Regex refId(R"(<([^<> ]{1,300})>)");
    for (const char* field : {"in-reply-to", "references"}) {
        std::string_view v = head.get(field);
        for (std::size_t at = 0; refId.search(v, m, at); at = m.end()) addUnique(h.messageIds, m.str(1));
    }
    return h;
}

}  // namespace

ParsedReport parseReport(std::string_view raw, const ParseOptions& options) {
    ParsedReport out;
    auto report = readReport(raw, options.mime);
    if (!report) return out;
    out.readable = true;
    std::optional<ReaderResult> found;
    for (const Reader* reader : readerOrder(report->head)) {
        found = reader->fn(report->head, report->body);
        if (found) {
            for (auto& d : found->ds)
                if (d.agent.empty()) d.agent = std::string(reader->name);
            break;
        }
    }
    out.hints = collectHints(report->head, report->body, found ? found->rfc822 : std::string());
    if (!found) return out;
    for (auto& d : found->ds) {
        if (d.recipient.empty()) continue;
        BounceRecord r = classify(std::move(d));
        if (r.recipient.empty()) continue;
        out.records.push_back(std::move(r));
    }
    return out;
}

std::string eventKind(const BounceRecord& r) {
    if (r.reason == "feedback") return "complained";
    if (r.reason == "vacation") return "auto_replied";
    if (r.reason == "delivered" || r.action == "delivered" || r.action == "relayed" || r.action == "expanded")
        return "delivered";
    if (r.action == "delayed" && startsWith(r.status, "4")) return "deferred";
    return "bounced";
}

}  // namespace v2v::bounce
