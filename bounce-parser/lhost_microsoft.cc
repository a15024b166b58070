// Microsoft reports: Office 365 / Exchange Online NDRs, Outlook.com DSNs, and
// on-premises Exchange 2003 and 2007+ non-delivery reports.
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {
namespace {

bool looksLikeOffice365(const Headers& head) {
    static const Regex outlook(R"(.+[.](?:outbound[.]protection|prod)[.]outlook[.]com\b)");
    int match = 0;
    if (contains(head.get("subject"), "Undeliverable:")) ++match;
    for (const char* h : {"x-ms-exchange-message-is-ndr", "x-microsoft-antispam-prvs", "x-exchange-antispam-report-test",
                          "x-exchange-antispam-report-cfa-test", "x-ms-exchange-crosstenant-originalarrivaltime",
                          "x-ms-exchange-crosstenant-fromentityheader",
                          "x-ms-exchange-transport-crosstenantheadersstamped"})
        if (!head.get(h).empty()) ++match;
    if (anyReceived(head, outlook)) ++match;
    if (head.has("message-id") && outlook.test(head.get("message-id"))) ++match;
    return match >= 2;
}

// The reason Office 365's status codes stand for (set only when one matches).
void office365Reason(DeliveryStatus& e) {
    static const std::pair<Regex, const char*> statuses[] = {
        {Regex(R"(\A4[.]4[.]7\z)"), "expired"},         {Regex(R"(\A4[.]4[.]312\z)"), "networkerror"},
        {Regex(R"(\A4[.]4[.]316\z)"), "expired"},       {Regex(R"(\A4[.]7[.]26\z)"), "securityerror"},
        {Regex(R"(\A4[.]7[.][56]\d\d\z)"), "blocked"},  {Regex(R"(\A4[.]7[.]8[5-9]\d\z)"), "blocked"},
        {Regex(R"(\A5[.]0[.]350\z)"), "contenterror"},  {Regex(R"(\A5[.]1[.]10\z)"), "userunknown"},
        {Regex(R"(\A5[.]4[.]1\z)"), "norelaying"},      {Regex(R"(\A5[.]4[.]6\z)"), "networkerror"},
        {Regex(R"(\A5[.]4[.]312\z)"), "networkerror"},  {Regex(R"(\A5[.]4[.]316\z)"), "expired"},
        {Regex(R"(\A5[.]6[.]11\z)"), "contenterror"},   {Regex(R"(\A5[.]7[.]1\z)"), "rejected"},
        {Regex(R"(\A5[.]7[.]1[23]\z)"), "rejected"},    {Regex(R"(\A5[.]7[.]124\z)"), "rejected"},
        {Regex(R"(\A5[.]7[.]13[3-6]\z)"), "rejected"},  {Regex(R"(\A5[.]7[.]23\z)"), "blocked"},
        {Regex(R"(\A5[.]7[.]25\z)"), "networkerror"},   {Regex(R"(\A5[.]7[.]50[1-3]\z)"), "spamdetected"},
        {Regex(R"(\A5[.]7[.]50[4-5]\z)"), "filtered"},  {Regex(R"(\A5[.]7[.]50[6-7]\z)"), "blocked"},
        {Regex(R"(\A5[.]7[.]508\z)"), "toomanyconn"},   {Regex(R"(\A5[.]7[.]509\z)"), "securityerror"},
        {Regex(R"(\A5[.]7[.]510\z)"), "notaccept"},     {Regex(R"(\A5[.]7[.]511\z)"), "rejected"},
        {Regex(R"(\A5[.]7[.]512\z)"), "securityerror"}, {Regex(R"(\A5[.]7[.]57\z)"), "securityerror"},
        {Regex(R"(\A5[.]7[.]60[6-9]\z)"), "blocked"},   {Regex(R"(\A5[.]7[.]6[1-4]\d\z)"), "blocked"},
        {Regex(R"(\A5[.]7[.]7[0-4]\d\z)"), "toomanyconn"},
    };
    for (const auto& [re, reason] : statuses)
        if (re.test(e.status)) {
            e.reason = reason;
            return;
        }
}

}  // namespace

std::optional<ReaderResult> readOffice365(const Headers& head, std::string_view body) {
    if (!looksLikeOffice365(head)) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex eoe(R"(\A(?:Original[ ][Mm]essage[ ][Hh]eaders:?|Message[ ]Hops))");
    static const Regex error(R"(\A(?:Diagnostic[ ]information[ ]for[ ]administrators:|Error[ ]Details))");
    static const Regex message(R"(\A(?:
         Delivery[ ]has[ ]failed[ ]to[ ]these[ ]recipients[ ]or[ ]groups:
        |Original[ ]Message[ ]Details
        |.+[ ]rejected[ ]your[ ]message[ ]to[ ]the[ ]following[ ]e[-]?mail[ ]addresses:
        ))",
                               Regex::extended);
    static const Regex mailto(R"(\A.+[@].+[<]mailto:(.+[@].+)[>]\z)");
    static const Regex recipientAddress(R"(\ARecipient[ ]Address:[ ]+(.+)\z)");
    static const Regex generating(R"(\AGenerating server: (.+)\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    bool reading = false, endOfError = false;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading) {
            reading = message.test(e);
            continue;
        }
        if (e.empty()) continue;
        if (mailto.search(e, m) || recipientAddress.search(e, m)) {
            c.addRecipient(m.str(1));
        } else if (generating.search(e, m)) {
            c.perMessage()["lhost"] = lower(m[1]);
        } else if (endOfError) {
            int cls = dsnFieldClass(e);
            auto o = cls ? parseDsnField(e) : std::nullopt;
            if (!o) continue;
            auto t = DsnCollector::target(o->name);
            if (t.empty() || o->name == "diagnostic-code" || o->name == "final-recipient") continue;
            fieldOf(c.current(), t) = o->value;
            if (cls == 1) c.perMessage()[std::string(t)] = o->value;
        } else if (error.test(e)) {
            c.current().diagnosis = std::string(e);
        } else if (!c.current().diagnosis.empty()) {
            if (eoe.test(e)) {
                endOfError = true;
                continue;
            }
            c.current().diagnosis += " " + std::string(e);
        }
    }
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage(false);
    static const Regex rcptCommand(R"(unknown recipient or mailbox unavailable ->.+[<]?.+[@].+[.][a-zA-Z]+[>]?)");
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (e.status.empty() || endsWith(e.status, ".0.0")) {
            std::string s = findStatus(e.diagnosis);
            if (!s.empty()) e.status = s;
        }
        if (rcptCommand.test(e.diagnosis)) e.command = "RCPT";
        if (!e.status.empty()) office365Reason(e);
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

std::optional<ReaderResult> readOutlook(const Headers& head, std::string_view body) {
    int match = 0;
    if (contains(head.get("subject"), "Delivery Status Notification")) ++match;
    if (!head.get("x-message-delivery").empty()) ++match;
    if (!head.get("x-message-info").empty()) ++match;
    if (anyReceived(head, ".hotmail.com")) ++match;
    if (match < 2) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c = readDsnLines(errorPart, startsWithAny({"This is an automatically generated Delivery Status Notification"}));
    if (c.recipients() == 0) return std::nullopt;
    for (auto& e : c.ds()) {
        if (!sweep(e.diagnosis).empty()) continue;
        e.diagnosis = e.action == "delayed"
                          ? "Delivery to the following recipients has been delayed."
                          : "Unable to deliver message to the following recipients, due to being unable to connect "
                            "successfully to the destination mail server.";
    }
    static const PhraseTable phrases = {
        {"hostunknown", {"The mail could not be delivered to the recipient because the domain is not reachable"}},
        {"userunknown", {"Requested action not taken: mailbox unavailable"}},
    };
    return finishDsn(c, std::move(rfc822), phrases);
}

std::optional<ReaderResult> readExchange2007(const Headers& head, std::string_view body) {
    static const Regex subject(R"(\A(?:Undeliverable|Non_remis_|Non[ ]recapitabile):)");
    static const Regex language(R"(\A[a-z]{2}(?:[-][A-Z]{2})?\z)");
    if (!subject.test(head.get("subject")) || !head.has("content-language") ||
        !language.test(head.get("content-language")))
        return std::nullopt;
    if (!head.get("x-ms-exchange-crosstenant-originalarrivaltime").empty() ||
        !head.get("x-ms-exchange-crosstenant-fromentityheader").empty())
        return std::nullopt;
    static const Regex backbone(R"(^(?:
         Original[ ]message[ ]headers:
        |En-t.tes[ ]de[ ]message[ ]d'origine[ ]:
        |Intestazioni[ ]originali[ ]del[ ]messaggio:
        ))",
                                Regex::multiline | Regex::extended);
    static const Regex message(R"(\A(?:
         Diagnostic[ ]information[ ]for[ ]administrators:
        |Informations[ ]de[ ]diagnostic[ ]pour[ ]les[ ]administrateurs
        |Informazioni[ ]di[ ]diagnostica[ ]per[ ]gli[ ]amministratori
        ))",
                               Regex::extended);
    static const Regex error(R"([ ]((?:RESOLVER|QUEUE)[.][A-Za-z]+(?:[.]\w+)?);)");
    static const Regex rhost(R"(\A(?:Generating[ ]server|Serveur[ ]de[ ]g[^ ]+ration[ ]|Server[ ]di[ ]generazione):[ ]?(.*))",
                             Regex::extended);
    static const Regex rcpt(R"(\A([^ @]+[@][^ @]+)\z)");
    static const Regex code(R"(([45]\d{2})[ ]([45][.]\d[.]\d+)[ ].+\z)");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    int recipients = 0;
    bool reading = false, haveHost = false;
    std::string generating;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading) {
            reading = message.test(e);
            continue;
        }
        if (!haveHost) {
            if (rhost.search(e, m)) {
                generating = m.str(1);
                haveHost = true;
            }
            continue;
        }
        DeliveryStatus& v = ds.back();
        if (rcpt.search(e, m)) {
            nextRecord(ds).recipient = m.str(1);
            ++recipients;
        } else if (code.search(e, m)) {
            v.replycode = m.str(1);
            v.status = m.str(2);
            v.diagnosis = std::string(e);
        } else if (!v.diagnosis.empty() && endsWith(v.diagnosis, "=")) {
            v.diagnosis.pop_back();
            v.diagnosis.append(e);
        }
    }
    if (recipients == 0) return std::nullopt;
    static const std::pair<const char*, const char*> ndr[] = {
        {"SMTPSEND.DNS.NonExistentDomain", "hostunknown"}, {"SMTPSEND.DNS.MxLoopback", "networkerror"},
        {"RESOLVER.ADR.BadPrimary", "systemerror"},        {"RESOLVER.ADR.RecipNotFound", "userunknown"},
        {"RESOLVER.ADR.ExRecipNotFound", "userunknown"},   {"RESOLVER.ADR.RecipLimit", "toomanyconn"},
        {"RESOLVER.ADR.InvalidInSmtp", "systemerror"},     {"RESOLVER.ADR.Ambiguous", "systemerror"},
        {"RESOLVER.RST.AuthRequired", "securityerror"},    {"RESOLVER.RST.NotAuthorized", "rejected"},
        {"RESOLVER.RST.RecipSizeLimit", "mesgtoobig"},     {"QUEUE.Expired", "expired"},
    };
    for (auto& e : ds) {
        if (error.search(e.diagnosis, m))
            for (const auto& [name, reason] : ndr)
                if (m[1] == name) e.reason = reason;
        e.diagnosis = sweep(e.diagnosis);
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

namespace {

bool looksLikeExchange2003(const Headers& head) {
    bool match = head.has("x-ms-embedded-report");
    if (!match && head.has("x-mailer")) {
        const std::string& x = head.get("x-mailer");
        match = startsWith(x, "Internet Mail Service (") ||
                startsWith(x, "Microsoft Exchange Server Internet Mail Connector");
    }
    if (!match && head.has("x-mimeole")) match = startsWith(head.get("x-mimeole"), "Produced By Microsoft Exchange");
    return match || anyReceived(head, " with Internet Mail Service (");
}

// "MSEXCH:... (000C05A6) text": the reason of Exchange's error code, and the text.
void exchange2003Code(DeliveryStatus& e) {
    static const std::pair<const char*, std::vector<std::string_view>> codes[] = {
        {"onhold", {"000B099C", "000B09AA", "000B09B6"}},
        {"userunknown", {"000C05A6"}},
        {"systemerror", {"00010256", "000D06B5"}},
        {"networkerror", {"00120270"}},
        {"contenterror", {"00050311", "000502CC"}},
        {"securityerror", {"000B0981"}},
        {"filtered", {"000C0595"}},
    };
    static const Regex exch(R"(\AMSEXCH:.+[ \t]*[(]([0-9A-F]{8})[)][ \t]*(.*)\z)");
    Match m;
    if (!exch.search(e.diagnosis, m)) return;
    std::string code = m.str(1), text = m.str(2);
    for (const auto& [reason, list] : codes)
        for (auto x : list)
            if (code == x && e.reason.empty()) {
                e.reason = reason;
                e.status = pseudoStatus(reason, false);
            }
    e.diagnosis = text;
}

}  // namespace

std::optional<ReaderResult> readExchange2003(const Headers& head, std::string_view body) {
    if (!looksLikeExchange2003(head)) return std::nullopt;
    static const Regex backbone(R"(^Content-Type:[ ]message/rfc822)", Regex::multiline);
    static const Regex rcpt1(R"(\A[ \t]*([^ ]+[@][^ ]+) on[ \t]*.*\z)");
    static const Regex rcpt2(R"(\A[ \t]*.+(?:SMTP|smtp)=([^ ]+[@][^ ]+) on[ \t]*.*\z)");
    static const Regex msexch(R"(\A[ \t]+(MSEXCH:.+)\z)");
    static const Regex to(R"(\A[ \t]+To:[ \t]+(.+)\z)");
    static const Regex subject(R"(\A[ \t]+Subject:[ \t]+(.+)\z)");
    static const Regex sent1(R"(\A[ \t]+Sent:[ \t]+([A-Z][a-z]{2},.+[-+]\d{4})\z)");
    static const Regex sent2(R"(\A[ \t]+Sent:[ \t]+(\d+[/]\d+[/]\d+[ \t]+\d+:\d+:\d+[ \t].+))");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    std::vector<bool> msexchDone(1, false);
    int recipients = 0, conn = 0;
    bool reading = false, statusPart = false;
    std::string cTo, cDate, cSubject;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading) {
            reading = startsWith(e, "Your message");
            continue;
        }
        if (statusPart) continue;
        if (conn == 3) {
            DeliveryStatus& v = ds.back();
            if (rcpt1.search(e, m) || rcpt2.search(e, m)) {
                if (!v.recipient.empty()) {
                    ds.emplace_back();
                    msexchDone.push_back(false);
                }
                ds.back().recipient = m.str(1);
                ++recipients;
            } else if (msexch.search(e, m)) {
                v.diagnosis += m.str(1);
            } else if (!msexchDone.back()) {
                if (startsWith(v.diagnosis, "MSEXCH:")) {
                    msexchDone.back() = true;
                    v.diagnosis += " " + std::string(e);
                    statusPart = true;
                } else {
                    v.alterrors += " " + std::string(e);
                }
            }
        } else if (to.search(e, m)) {
            if (cTo.empty()) cTo = m.str(1), ++conn;
        } else if (subject.search(e, m)) {
            if (cSubject.empty()) cSubject = m.str(1), ++conn;
        } else if (sent1.search(e, m) || sent2.search(e, m)) {
            if (cDate.empty()) cDate = m.str(1), ++conn;
        }
    }
    if (recipients == 0) return std::nullopt;
    for (auto& e : ds) {
        e.diagnosis = sweep(e.diagnosis);
        exchange2003Code(e);
        if (!e.reason.empty() || e.alterrors.empty()) continue;
        e.diagnosis = sweep(e.alterrors + " " + e.diagnosis);
        e.alterrors.clear();
    }
    if (rfc822.empty()) rfc822 = "From: " + cTo + "\nDate: " + cDate + "\nSubject: " + cSubject + "\n";
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

}  // namespace v2v::bounce
