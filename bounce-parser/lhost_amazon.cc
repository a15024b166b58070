// Amazon reports: SES bounce/complaint/delivery notifications (JSON via SNS,
// or e-mail DSNs), SES inbound (receiving) DSNs and WorkMail DSNs.
#include <nlohmann/json.hpp>

#include "report_address.h"
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string sesDate(const json& o, const json& p) {
    std::string d = str(o, "timestamp");
    if (d.empty() && p.contains("mail") && p["mail"].is_object()) d = str(p["mail"], "timestamp");
    static const Regex frac(R"([.]\d+Z\z)");
    return frac.replaceAll(d, "");
}

// The JSON notification of an SNS message body ("!" ends a folded line).
json sesNotification(std::string_view body) {
    std::string text;
    bool folded = false;
    for (std::string_view e : splitLines(body)) {
        if (e.empty()) continue;
        if (e == "--") break;
        if (folded && !e.empty()) e.remove_prefix(1);
        folded = false;
        if (!e.empty() && e.back() == '!') {
            e.remove_suffix(1);
            folded = true;
        }
        text.append(e);
    }
    json p = json::parse(text, nullptr, false);
    if (p.is_discarded() || !p.is_object()) return json();
    if (p.contains("Message") && p["Message"].is_string()) {
        p = json::parse(p["Message"].get<std::string>(), nullptr, false);
        if (p.is_discarded() || !p.is_object()) return json();
    }
    return p;
}

// One bounced recipient of a "Bounce" notification (o is its "bounce" object).
void sesBounced(DeliveryStatus& v, const json& e, const json& o) {
    static const Regex typed(R"(\A(.+?);[ ]*(.+)\z)");
    static const Regex dsnMta(R"(\Adsn;[ ](.+)\z)");
    Match m;
    v.action = str(e, "action");
    v.status = str(e, "status");
    std::string diag = str(e, "diagnosticCode");
    if (typed.search(diag, m)) {
        v.spec = upper(m[1]);
        v.diagnosis = m.str(2);
    } else {
        v.diagnosis = diag;
    }
    std::string reporting = str(o, "reportingMTA");
    if (dsnMta.search(reporting, m)) v.lhost = m.str(1);
    std::string bt = str(o, "bounceType"), bs = str(o, "bounceSubType");
    if (bt == "Transient" && bs == "MailboxFull") v.reason = "mailboxfull";
    if (bt == "Transient" && bs == "MessageTooLarge") v.reason = "mesgtoobig";
}

// The records of a Bounce, Complaint or Delivery notification; false when the list is malformed.
bool sesRecords(const json& p, const std::string& type, std::vector<DeliveryStatus>& ds) {
    if (type == "Bounce" || type == "Complaint") {
        bool bounce = type == "Bounce";
        const json& o = p.value(bounce ? "bounce" : "complaint", json::object());
        const json& list = o.value(bounce ? "bouncedRecipients" : "complainedRecipients", json::array());
        if (!list.is_array()) return false;
        for (const auto& e : list) {
            if (!e.is_object()) continue;
            std::string addr = str(e, "emailAddress");
            if (!isEmailAddress(addr)) continue;
            DeliveryStatus& v = nextRecord(ds);
            v.recipient = addr;
            if (bounce) {
                sesBounced(v, e, o);
            } else {
                v.reason = "feedback";
                v.feedbacktype = str(o, "complaintFeedbackType");
            }
            v.date = sesDate(o, p);
        }
        return true;
    }
    const json& o = p.value("delivery", json::object());
    const json& list = o.value("recipients", json::array());
    if (!list.is_array()) return false;
    for (const auto& e : list) {
        if (!e.is_string() || !isEmailAddress(e.get<std::string>())) continue;
        DeliveryStatus& v = nextRecord(ds);
        v.recipient = e.get<std::string>();
        v.lhost = str(o, "reportingMTA");
        v.diagnosis = str(o, "smtpResponse");
        v.status = findStatus(v.diagnosis);
        v.replycode = findReplyCode(v.diagnosis);
        v.reason = "delivered";
        v.action = "delivered";
        v.date = sesDate(o, p);
    }
    return true;
}

// The original message's headers that correlation needs, from "mail".
std::string sesHeaders(const json& p) {
    std::string out;
    if (!p.contains("mail") || !p["mail"].is_object()) return out;
    const json& mail = p["mail"];
    bool haveId = false;
    if (mail.contains("headers") && mail["headers"].is_array())
        for (const auto& h : mail["headers"]) {
            std::string name = str(h, "name");
            if (name == "From" || name == "To" || name == "Subject" || name == "Message-ID" || name == "Date") {
                out += name + ": " + str(h, "value") + "\n";
                haveId = haveId || name == "Message-ID";
            }
        }
    if (!haveId && !str(mail, "messageId").empty()) out += "Message-ID: " + str(mail, "messageId") + "\n";
    return out;
}

std::optional<ReaderResult> readSesJson(const Headers& head, std::string_view body) {
    if (head.get("x-amz-sns-message-id").empty()) return std::nullopt;
    json p = sesNotification(body);
    if (!p.is_object()) return std::nullopt;
    std::string type = str(p, "notificationType");
    if (type != "Bounce" && type != "Complaint" && type != "Delivery") return std::nullopt;
    ReaderResult out;
    out.ds.emplace_back();
    if (!sesRecords(p, type, out.ds) || out.ds.back().recipient.empty()) return std::nullopt;
    out.rfc822 = sesHeaders(p);
    return out;
}

// Status "x.0.0" / "x.1.0": a more precise code quoted in the diagnostic wins.
void refineStatus(DeliveryStatus& e) {
    static const Regex generic(R"(\A[45][.][01][.]0\z)");
    static const Regex quoted(R"(["'](\d[.]\d[.]\d.+)['"])");
    if (!generic.test(e.status)) return;
    Match m;
    std::string text = quoted.search(e.diagnosis, m) ? m.str(1) : e.diagnosis;
    std::string s = findStatus(text);
    if (!s.empty()) e.status = s;
}

}  // namespace

std::optional<ReaderResult> readAmazonSES(const Headers& head, std::string_view body) {
    if (startsWith(body, "{")) return readSesJson(head, body);
    if (contains(head.get("x-mailer"), "Amazon WorkMail")) return std::nullopt;
    if (head.get("x-aws-outgoing").empty() && head.get("x-ses-outgoing").empty()) return std::nullopt;
    static const Regex backbone(R"(^content-type:[ ]message/rfc822)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"The following message to <",
                                                            "An error occurred while trying to deliver the mail "}));
    auto r = finishDsn(c, std::move(rfc822), {{"expired", {"Delivery expired"}}}, true);
    if (r)
        for (auto& e : r->ds) refineStatus(e);
    return r;
}

std::optional<ReaderResult> readReceivingSES(const Headers& head, std::string_view body) {
    if (head.get("x-ses-outgoing").empty()) return std::nullopt;
    static const Regex backbone(R"(^content-type:[ ]text/rfc822-headers)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"This message could not be delivered."}));
    static const PhraseTable phrases = {
        {"filtered", {"Mailbox does not exist"}},
        {"mesgtoobig", {"Message too large"}},
        {"mailboxfull", {"Mailbox full"}},
        {"contenterror", {"Message content rejected"}},
    };
    auto r = finishDsn(c, std::move(rfc822), {}, true);
    if (!r) return r;
    for (auto& e : r->ds) {
        refineStatus(e);
        std::string reason = reasonFromPhrases(e.diagnosis, phrases);
        if (!reason.empty()) e.reason = reason;
        if (e.reason.empty()) e.reason = statusReason(e.status);
    }
    return r;
}

std::optional<ReaderResult> readAmazonWorkMail(const Headers& head, std::string_view body) {
    std::string xmail = head.get("x-original-mailer");
    if (xmail.empty()) xmail = head.get("x-mailer");
    int match = (head.get("x-ses-outgoing").empty() ? 0 : 1) + (xmail == "Amazon WorkMail" ? 1 : 0);
    if (match < 2) return std::nullopt;
    static const Regex backbone(R"(^content-type:[ ]message/rfc822)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::string_view text = errorPart;
    if (auto html = text.find("\n<!DOCTYPE HTML><html>"); html != std::string_view::npos) text = text.substr(0, html);
    DsnCollector c = readDsnLines(text, startsWithAny({"Technical report:"}), true,
                                  [](std::string_view, std::string_view, DsnCollector&) {});
    auto r = finishDsn(c, std::move(rfc822));
    if (!r) return r;
    static const Regex reply(R"([<]([245]\d\d)[ ].+[>])");
    Match m;
    for (auto& e : r->ds) {
        refineStatus(e);
        if (reply.search(e.diagnosis, m)) e.replycode = m.str(1);
        if (e.reason.empty()) e.reason = statusReason(e.status);
    }
    return r;
}

}  // namespace v2v::bounce
