// Exim reports ("This message was created automatically by mail delivery
// software."): indented recipient lines followed by the error, optionally an
// RFC 3464 part; and the Exim-based reports of Mail.ru.
#include "report_address.h"
#include "lhost_util.h"
#include "mime.h"
#include "smtp.h"

namespace v2v::bounce {
namespace {

const Regex& eximSubject() {
    static const Regex re(R"((?:
         Mail[ ]delivery[ ]failed(:[ ]returning[ ]message[ ]to[ ]sender)?
        |Warning:[ ]message[ ][^ ]+[ ]delayed[ ]+
        |Delivery[ ]Status[ ]Notification
        |Mail[ ]failure
        |Message[ ]frozen
        |error[(]s[)][ ]in[ ]forwarding[ ]or[ ]filtering
        ))",
                          Regex::extended);
    return re;
}

const Regex& smtpAfter() {
    static const Regex re(R"((?:SMTP error from remote (?:mail server|mailer) after (?:end of )?|LMTP error after (?:end of )?)([A-Za-z]{4}))");
    return re;
}

// Merges the secondary error text collected while reading into the diagnosis.
void mergeAlterrors(DeliveryStatus& e, bool preferLongerContaining) {
    if (e.alterrors.empty()) return;
    if (e.diagnosis.empty()) e.diagnosis = e.alterrors;
    if (startsWith(e.diagnosis, "-") || endsWith(e.diagnosis, "__")) {
        e.diagnosis = e.alterrors;
    } else if (preferLongerContaining && e.diagnosis.size() < e.alterrors.size() &&
               contains(lower(e.alterrors), lower(e.diagnosis))) {
        e.diagnosis = e.alterrors;
    }
    e.alterrors.clear();
}

std::string cutAtDoubleUnderscore(const std::string& s) {
    static const Regex re(R"(\b__.+\z)");
    return re.replaceAll(s, "");
}

std::string rhostFromDiagnosis(const DeliveryStatus& e, const Headers& head) {
    static const Regex re(R"(host[ \t]+([^ \t]+)[ \t]\[.+\]:[ \t])");
    Match m;
    if (re.search(e.diagnosis, m)) return m.str(1);
    if (!head.received().empty()) {
        auto hosts = receivedHosts(head.received().back());
        if (!hosts.empty()) return hosts.back();
    }
    return "";
}

std::string localHost(const Headers& head) {
    static const Regex re(R"(from[ \t]([^ ]+) )");
    Match m;
    if (!head.received().empty() && re.search(head.received().back(), m)) return m.str(1);
    return "";
}

void recipientsFromHeader(const Headers& head, std::vector<DeliveryStatus>& ds, int& recipients, bool dropSpaces) {
    if (!head.has("x-failed-recipients")) return;
    auto parts = splitChar(head.get("x-failed-recipients"), ',');
    recipients = static_cast<int>(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string r = dropSpaces ? std::string() : std::string(trim(parts[i]));
        if (dropSpaces)
            for (char ch : parts[i])
                if (ch != ' ') r += ch;
        ds.back().recipient = r;
        if (i + 1 < parts.size()) ds.emplace_back();
    }
}

// Phrases both Exim readers know, in the order they are tried.
const PhraseTable& eximCommonPhrases() {
    static const PhraseTable t = {
        {"userunknown", {"user not found"}},
        {"hostunknown",
         {"all host address lookups failed permanently", "all relevant MX records point to non-existent hosts",
          "Unrouteable address"}},
        {"mailboxfull", {"mailbox is full", "error: quota exceed"}},
        {"notaccept", {"an MX or SRV record indicated no SMTP service", "no host found for existing SMTP connection"}},
    };
    return t;
}

// `before` rows, the common rows, then `after` rows.
PhraseTable withCommonPhrases(PhraseTable before, const PhraseTable& after) {
    const PhraseTable& common = eximCommonPhrases();
    before.insert(before.end(), common.begin(), common.end());
    before.insert(before.end(), after.begin(), after.end());
    return before;
}

}  // namespace

std::string eximReason(std::string_view diagnosis) {
    static const PhraseTable messages = withCommonPhrases({}, {
        {"syntaxerror",
         {"angle-brackets nested too deep", "expected word or \"<\"", "domain missing in source-routed address",
          "malformed address:"}},
        {"systemerror",
         {"delivery to file forbidden", "delivery to pipe forbidden", "local delivery failed", "LMTP error after "}},
        {"contenterror", {"Too many \"Received\" headers"}},
    });
    static const std::vector<std::string_view> delayed = {
        "retry timeout exceeded",
        "No action is required on your part",
        "retry time not reached for any host after a long failure period",
        "all hosts have been failing for a long time and were last tried",
        "Delay reason: ",
        "has been frozen",
        "was frozen on arrival by ",
    };
    std::string r = reasonFromPhrases(diagnosis, messages);
    if (r.empty() && containsAny(diagnosis, delayed)) r = "expired";
    return r;
}

namespace {

bool looksLikeExim(const Headers& head) {
    static const Regex mailRu(R"([@].+[.]mail[.]ru[>]?)");
    static const Regex eximId(R"(\A[<]\w{7}[-]\w{6}[-]\w{2}[@])");
    if (mailRu.test(head.get("from"))) return false;
    int match = 0;
    if (startsWith(head.get("from"), "Mail Delivery System")) ++match;
    if (head.has("message-id") && eximId.test(head.get("message-id"))) ++match;
    if (eximSubject().test(head.get("subject"))) ++match;
    return match >= 2;
}

// A DSN field line of a multipart Exim report, into the current record.
void eximDsnField(std::string_view e, DeliveryStatus& v) {
    auto o = parseDsnField(e);
    if (!o) return;
    if (o->group == 'a') {
        if (o->name == "final-recipient" && v.spec.empty()) v.spec = contains(o->value, "@") ? "SMTP" : "X-UNIX";
    } else if (o->group == 'c') {
        v.spec = o->type;
        v.diagnosis = o->value;
    } else if (auto t = DsnCollector::target(o->name); !t.empty()) {
        fieldOf(v, t) = o->value;
    }
}

// Reads Exim's error text into ds; returns the number of recipients found.
int readEximText(std::string_view errorPart, bool multipart, std::vector<DeliveryStatus>& ds) {
    static const Regex message(R"(\A(?>
         This[ ]message[ ]was[ ]created[ ]automatically[ ]by[ ]mail[ ]delivery[ ]software[.]
        |A[ ]message[ ]that[ ]you[ ]sent[ ]was[ ]rejected[ ]by[ ]the[ ]local[ ]scannning[ ]code
        |A[ ]message[ ]that[ ]you[ ]sent[ ]contained[ ]one[ ]or[ ]more[ ]recipient[ ]addresses[ ]
        |A[ ]message[ ]that[ ]you[ ]sent[ ]could[ ]not[ ]be[ ]delivered[ ]to[ ]all[ ]of[ ]its[ ]recipients
        |Message[ ][^ ]+[ ](?:has[ ]been[ ]frozen|was[ ]frozen[ ]on[ ]arrival)
        |The[ ][^ ]+[ ]router[ ]encountered[ ]the[ ]following[ ]error[(]s[)]:
        ))",
                               Regex::extended);
    static const Regex frozen(R"(\AMessage [^ ]+ (?:has been frozen|was frozen on arrival))");
    static const Regex rcpt1(R"(\A[ \t]{2}([^ \t]+[@][^ \t]+[.]?[a-zA-Z]+)(:.+)?\z)");
    static const Regex rcpt2(R"(\A[ \t]{2}[^ \t]+[@][^ \t]+[.][a-zA-Z]+[ ]<(.+?[@].+?)>:.+\z)");
    static const Regex rcpt2b(R"(\A[ \t]+[^ \t]+[@][^ \t]+[.][a-zA-Z]+[ ]<(.+?[@].+?)>:.+\z)");
    static const Regex undisclosed(R"(\A([ ]+an undisclosed address)\z)");
    static const Regex generated(R"(\A[ ]+(?:[(]generated[ ]from[ ](.+)[)]\z|generated[ ]by[ ]([^ \t]+[@][^ \t]+)))");
    static const Regex pipeTo(R"(\A[ ]+pipe[ ]to[ ][|]/[^ ]+)");
    int recipients = 0;
    bool reading = false, nextCursor = false;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading) {
            if (!message.test(e)) continue;
            reading = true;
            if (!frozen.test(e)) continue;
        }
        if (e.empty()) continue;
        DeliveryStatus* v = &ds.back();
        if (rcpt1.search(e, m) || rcpt2.search(e, m) || undisclosed.search(e, m)) {
            std::string r = m.str(1);
            v = &nextRecord(ds);
            if (rcpt2b.search(e, m)) {
                r = m.str(1);
                v->diagnosis = std::string(e);
            }
            v->recipient = r;
            ++recipients;
        } else if (generated.search(e, m)) {
            v->alias = m.has(1) ? m.str(1) : m.str(2);
        } else if (frozen.test(e)) {
            v->alterrors += std::string(e) + " ";
        } else if (multipart) {
            if (dsnFieldClass(e)) {
                eximDsnField(e, *v);
            } else if (!nextCursor) {
                if (startsWith(e, "Content-type: message/delivery-status")) nextCursor = true;
                if (startsWith(e, " ")) v->alterrors += std::string(e) + " ";
            }
        } else if (static_cast<int>(ds.size()) == recipients) {
            v->diagnosis += std::string(e) + " ";
        } else if (pipeTo.test(e)) {
            v->diagnosis = std::string(e);
        } else if (startsWith(e, "    ")) {
            v->alterrors += std::string(e) + " ";
        }
    }
    return recipients;
}

// Exim's command and reason for a record without a command.
void eximCommandAndReason(DeliveryStatus& e) {
    if (!e.command.empty()) return;
    Match m;
    if (smtpAfter().search(e.diagnosis, m)) e.command = upper(m[1]);
    if (e.command == "HELO" || e.command == "EHLO")
        e.reason = "blocked";
    else if (e.command == "MAIL")
        e.reason = "onhold";
    else
        e.reason = eximReason(e.diagnosis);
}

// The status from the record, its diagnostic text and reply code.
void eximStatus(DeliveryStatus& e) {
    std::string sv = e.status.empty() ? findStatus(e.diagnosis) : e.status;
    std::string rv = e.replycode.empty() ? findReplyCode(e.diagnosis) : e.replycode;
    int r1 = 0;
    if (sv.empty() && !rv.empty()) {
        r1 = rv[0] - '0';
        if (r1 == 4) sv = pseudoStatus(e.reason, true);
        else if (r1 == 5) sv = pseudoStatus(e.reason, false);
    }
    int v1 = (sv.empty() ? 0 : sv[0] - '0') + r1 + (e.status.empty() ? 0 : e.status[0] - '0');
    if (v1 > 0) {
        if (r1 > 0) e.status = sv;
    } else {
        sv = pseudoStatus(e.reason, e.reason == "expired" || e.reason == "mailboxfull");
    }
    if (e.status.empty()) e.status = sv;
}

}  // namespace

std::optional<ReaderResult> readExim(const Headers& head, std::string_view body) {
    if (!looksLikeExim(head)) return std::nullopt;
    static const Regex backbone(R"(^(?:
         [-]+[ ]This[ ]is[ ]a[ ]copy[ ]of[ ](?:the|your)[ ]message,[ ]including[ ]all[ ]the[ ]headers[.][ ][-]+
        |Content-Type:[ ]*message/rfc822\n(?:[\s\t]+.*?\n\n)?
        ))",
                                Regex::multiline | Regex::dotall | Regex::extended);
    std::string boundary = contentParam(head.get("content-type"), "boundary");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    int recipients = readEximText(errorPart, !boundary.empty(), ds);
    if (recipients) {
        for (auto& q : ds)
            if (!q.alias.empty() && (q.recipient.empty() || !contains(q.recipient, "@"))) q.recipient = q.alias;
    } else {
        recipientsFromHeader(head, ds, recipients, false);
    }
    if (recipients == 0) return std::nullopt;

    std::string local = localHost(head);
    DeliveryStatus first = ds.front();
    for (auto& e : ds) {
        if (e.lhost.empty()) e.lhost = local;
        if (e.diagnosis.empty() && !boundary.empty()) {
            e.diagnosis = first.diagnosis;
            if (e.spec.empty()) e.spec = first.spec;
            if (!first.alterrors.empty()) e.alterrors = first.alterrors;
        }
        mergeAlterrors(e, true);
        e.diagnosis = cutAtDoubleUnderscore(sweep(e.diagnosis));
        if (e.rhost.empty()) e.rhost = rhostFromDiagnosis(e, head);
        eximCommandAndReason(e);
        eximStatus(e);
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

std::optional<ReaderResult> readMailRu(const Headers& head, std::string_view body) {
    static const Regex from(R"([<]?mailer-daemon[@].*mail[.]ru[>]?)");
    static const Regex msgid(R"([.](?:mail[.]ru|smailru[.]net)[>]\z)");
    static const Regex subject(R"((?:
         Mail[ ]delivery[ ]failed(:[ ]returning[ ]message[ ]to[ ]sender)?
        |Warning:[ ]message[ ].+[ ]delayed[ ]+
        |Delivery[ ]Status[ ]Notification
        |Mail[ ]failure
        |Message[ ]frozen
        |error[(]s[)][ ]in[ ]forwarding[ ]or[ ]filtering
        ))",
                               Regex::extended);
    if (!from.test(lower(head.get("from"))) || !msgid.test(head.get("message-id")) ||
        !subject.test(head.get("subject")))
        return std::nullopt;
    static const Regex backbone(R"(^------ This is a copy of the message, including all the headers[.] ------)",
                                Regex::multiline);
    static const Regex rcpt(R"(\A[ \t]+([^ \t]+[@][^ \t]+[.][a-zA-Z]+)\z)");
    static const Regex indent4(R"(\A[ \t]{4})");
    auto [errorPart, rfc822] = fillet(body, backbone);
    std::vector<DeliveryStatus> ds(1);
    int recipients = 0;
    bool reading = false;
    Match m;
    for (std::string_view e : splitLines(errorPart)) {
        if (!reading && startsWith(e, "This message was created automatically by mail delivery software.")) reading = true;
        if (!reading || e.empty()) continue;
        DeliveryStatus* v = &ds.back();
        if (rcpt.search(e, m)) {
            v = &nextRecord(ds);
            v->recipient = m.str(1);
            ++recipients;
        } else if (static_cast<int>(ds.size()) == recipients) {
            v->diagnosis += std::string(e) + " ";
        } else if (indent4.test(e)) {
            v->alterrors += std::string(e) + " ";
        }
    }
    if (recipients == 0) recipientsFromHeader(head, ds, recipients, true);
    if (recipients == 0) return std::nullopt;
    // Unlike eximReason(): "expired" is tried first, and no syntax or LMTP rows.
    static const PhraseTable messages = withCommonPhrases(
        {{"expired", {"retry timeout exceeded", "No action is required on your part"}}},
        {
            {"systemerror", {"delivery to file forbidden", "delivery to pipe forbidden", "local delivery failed"}},
            {"contenterror", {"Too many \"Received\" headers "}},
        });
    std::string local = localHost(head);
    for (auto& e : ds) {
        mergeAlterrors(e, false);
        e.diagnosis = cutAtDoubleUnderscore(sweep(e.diagnosis));
        if (e.rhost.empty()) e.rhost = rhostFromDiagnosis(e, head);
        if (e.lhost.empty()) e.lhost = local;
        if (e.command.empty()) {
            if (smtpAfter().search(e.diagnosis, m) && !startsWith(m[0], "LMTP")) e.command = upper(m[1]);
            if (e.command == "MAIL") e.reason = "rejected";
            else if (e.command == "HELO" || e.command == "EHLO") e.reason = "blocked";
            else e.reason = reasonFromPhrases(e.diagnosis, messages);
        }
    }
    return ReaderResult{std::move(ds), std::move(rfc822)};
}

}  // namespace v2v::bounce
