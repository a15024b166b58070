// Generic reader for RFC 3464 delivery status notifications, with a fallback
// that scans the text of non-standard reports for recipient addresses and
// error lines; and the reader of local delivery agent messages (MDA).
#include "report_address.h"
#include "dsn.h"
#include "lhost.h"
#include "pattern.h"
#include "smtp.h"
#include "text.h"

namespace v2v::bounce {
namespace {

struct ConnHeader {
    std::string date, rhost, lhost;
};

// Whether the message looks like it comes from a mailer daemon.
bool fromMailerDaemon(const Headers& head) {
    static const Regex fromDaemon(R"(\b(?:postmaster|mailer-daemon|root)[@])");
    static const Regex subject(
        R"((?>delivery[ ](?:failed|failure|report)|failure[ ]notice|mail[ ](?:delivery|error)|non[-]delivery|returned[ ]mail|undeliverable[ ]mail|warning:[ ]))",
        Regex::extended);
    static const Regex returnPath(R"((?:[<][>]|mailer-daemon))");
    return fromDaemon.test(lower(head.get("from"))) || subject.test(lower(head.get("subject"))) ||
           (head.has("return-path") && returnPath.test(lower(head.get("return-path"))));
}

// The first line of the returned message (lower-cased line).
bool startsOriginal(const std::string& d) {
    static const Regex rfc822(R"(\A(?>content-type:[ ]*(?:message/rfc822|text/rfc822-headers)|return-path:[ ]*[<].+[>])\z)",
                              Regex::extended);
    return rfc822.test(d);
}

// Where the scanned error text ends (lower-cased line).
bool endOfErrorText(const std::string& d) {
    static const Regex stop(R"((?:
         \A[*][*][*][ ].+[ ].+[ ][*][*][*]
        |\Acontent-type:[ ]message/delivery-status
        |\Ahere[ ]is[ ]a[ ]copy[ ]of[ ]the[ ]first[ ]part[ ]of[ ]the[ ]message
        |\Athe[ ]non-delivered[ ]message[ ]is[ ]attached[ ]to[ ]this[ ]message.
        |\Areceived:[ \t]*
        |\Areceived-from-mta:[ \t]*
        |\Areporting-mta:[ \t]*
        |\Areturn-path:[ \t]*
        |\Aa[ ]copy[ ]of[ ]the[ ]original[ ]message[ ]below[ ]this[ ]line:
        |attachment[ ]is[ ]a[ ]copy[ ]of[ ]the[ ]message
        |below[ ]is[ ]a[ ]copy[ ]of[ ]the[ ]original[ ]message:
        |below[ ]this[ ]line[ ]is[ ]a[ ]copy[ ]of[ ]the[ ]message
        |message[ ]contains[ ].+[ ]file[ ]attachments
        |message[ ]text[ ]follows:[ ]
        |original[ ]message[ ]follows
        |the[ ]attachment[ ]contains[ ]the[ ]original[ ]mail[ ]headers
        |the[ ]first[ ]\d+[ ]lines[ ]
        |unsent[ ]message[ ]below
        |your[ ]message[ ]reads[ ][(]in[ ]part[)]:
        ))",
                            Regex::extended);
    return startsOriginal(d) || stop.test(d);
}

// A line of the error text that says nothing (lower-cased line).
bool noiseLine(const std::string& d) {
    static const Regex skip(R"((?>
         \A[-]+=
        |\A\s+\z
        |\A\s*--
        |\A\s+[=]\d+
        |\Ahi[ ][!]
        |content-(?:description|disposition|transfer-encoding|type):[ ]
        |(?:name|charset)=
        |--\z
        |:[ ]--------
        ))",
                            Regex::extended);
    return skip.test(d);
}

// The fallback: no Final-Recipient field; look for addresses in the text.
int scanTextForRecipients(const Headers& head, std::string_view body, std::vector<DeliveryStatus>& ds) {
    if (!fromMailerDaemon(head)) return 0;
    static const Regex addr(R"((?:
         \A\s*
        |\A["].+["]\s*
        |\A[ \t]*recipient:[ \t]*
        |\A[ ]*address:[ ]
        |addressed[ ]to[ ]
        |could[ ]not[ ]be[ ]delivered[ ]to:[ ]
        |delivered[ ]to[ ]+
        |delivery[ ]failed:[ ]
        |did[ ]not[ ]reach[ ]the[ ]following[ ]recipient:[ ]
        |error-for:[ ]+
        |failed[ ]recipient:[ ]
        |failed[ ]to[ ]deliver[ ]to[ ]
        |intended[ ]recipient:[ ]
        |mailbox[ ]is[ ]full:[ ]
        |rcpt[ ]to:
        |smtp[ ]server[ ][<].+[>][ ]rejected[ ]recipient[ ]
        |the[ ]following[ ]recipients[ ]returned[ ]permanent[ ]errors:[ ]
        |the[ ]following[ ]message[ ]to[ ]
        |unknown[ ]user:[ ]
        |undeliverable[ ]to[ ]
        |undeliverable[ ]address:[ ]*
        |you[ ]sent[ ]mail[ ]to[ ]
        |your[ ]message[ ]to[ ]
        )
        ['"]?[<]?([^\s\n\r@=<>]+[@][-.0-9a-z]+[.][0-9a-z]+)[>]?['"]?)",
                            Regex::extended);
    static const Regex expanded(R"([(](?:expanded|generated)[ ]from:?[ ]([^@]+[@][^@]+)[)])");
    int recipients = 0;
    Match m;
    for (std::string_view e : splitLines(body)) {
        std::string d = lower(e);
        if (endOfErrorText(d)) break;
        if (e.empty() || noiseLine(d) || startsWith(e, "*")) continue;
        DeliveryStatus* b = &ds.back();
        if (addr.search(d, m)) {
            std::string y = firstAddress(m[1]);
            if (!isEmailAddress(y)) continue;
            if (!b->recipient.empty() && b->recipient != y) {
                ds.emplace_back();
                b = &ds.back();
            }
            b->recipient = y;
            ++recipients;
        } else if (expanded.search(e, m)) {
            b->alias = firstAddress(m[1]);
        }
        b->diagnosis += " ";
        b->diagnosis.append(e);
    }
    return recipients;
}

// The delivery-status part read so far.
struct StatusState {
    std::vector<DeliveryStatus>& ds;
    ConnHeader conn;
    std::string maybeAlias;  // an Original-Recipient waiting for its Final-Recipient
    int recipients = 0;
};

// A Final-Recipient (or Original-Recipient) field: starts a record.
void recipientField(StatusState& st, const Match& m) {
    if (m[1] == "Original") {
        st.maybeAlias = m.str(2);
        return;
    }
    std::string y = firstAddress(m[2]);
    if (!isEmailAddress(y)) y = st.maybeAlias;
    DeliveryStatus* v = &st.ds.back();
    if (!v->recipient.empty() && v->recipient != y) {
        st.ds.emplace_back();
        v = &st.ds.back();
    }
    v->recipient = y;
    ++st.recipients;
    if (v->alias.empty()) v->alias = st.maybeAlias;
    st.maybeAlias.clear();
}

// One non-empty line of the delivery-status part. A folded Diagnostic-Code
// line is rewritten so that the next line's `prev` continues it.
void statusLine(StatusState& st, std::string& e, const std::string& prev) {
    static const Regex recipient(R"(\A(Original|Final)-[Rr]ecipient:[ ]*.+;[ ]*([^ ]+)\z)");
    static const Regex actualRecipient(R"(\AX-Actual-Recipient:[ ]*(?:RFC|rfc)822;[ ]*([^ ]+)\z)");
    static const Regex action(R"(\AAction:[ ]*(.+)\z)");
    static const Regex status(R"(\AStatus:[ ]*(\d[.]\d+[.]\d+))");
    static const Regex statusText(R"(\AStatus:[ ]*(\d+[ ]+.+)\z)");
    static const Regex remoteMta(R"(Remote-MTA:[ ]*(?:DNS|dns);[ ]*(.+)\z)");
    static const Regex lastAttempt(R"(\ALast-Attempt-Date:[ ]*(.+)\z)");
    static const Regex diagTyped(R"(\ADiagnostic-Code:[ ]*(.+?);[ ]*(.+)\z)");
    static const Regex diagPlain(R"(\ADiagnostic-Code:[ ]*(.+)\z)");
    static const Regex folded(R"(\A[ \t]+(.+)\z)");
    static const Regex reporting(R"(\AReporting-MTA:[ ]*(?:DNS|dns);[ ]*(.+)\z)");
    static const Regex receivedFrom(R"(\AReceived-From-MTA:[ ]*(?:DNS|dns);[ ]*(.+)\z)");
    static const Regex arrival(R"(\AArrival-Date:[ ]*(.+)\z)");
    static const Regex dashes(R"(\A[ -]+)");
    static const Regex error(R"(\A(?:[45]\d\d[ \t]+|[<][^@]+[@][^@]+[>]:?[ \t]+))");
    Match m;
    if (recipient.search(e, m)) {
        recipientField(st, m);
        return;
    }
    DeliveryStatus& v = st.ds.back();
    if (actualRecipient.search(e, m)) {
        if (!contains(m[1], " ") && !contains(m[1], "\t")) v.alias = m.str(1);
    } else if (action.search(e, m)) {
        v.action = lower(m[1]);
        if (auto sp = v.action.find(' '); sp != std::string::npos) v.action.resize(sp);
    } else if (status.search(e, m)) {
        v.status = m.str(1);
    } else if (statusText.search(e, m)) {
        v.alterrors = m.str(1);
    } else if (remoteMta.search(e, m)) {
        v.rhost = lower(m[1]);
    } else if (lastAttempt.search(e, m)) {
        v.date = m.str(1);
    } else if (diagTyped.search(e, m)) {
        v.spec = upper(m[1]);
        v.diagnosis = m.str(2);
    } else if (diagPlain.search(e, m)) {
        v.diagnosis = m.str(1);
    } else if (startsWith(prev, "Diagnostic-Code:") && folded.search(e, m)) {
        v.diagnosis += " " + m.str(1);
        e = "Diagnostic-Code: " + e;
    } else if (reporting.search(e, m)) {
        if (st.conn.rhost.empty()) st.conn.rhost = lower(m[1]);
    } else if (receivedFrom.search(e, m)) {
        st.conn.lhost = lower(m[1]);
    } else if (arrival.search(e, m)) {
        st.conn.date = m.str(1);
    } else if (!dashes.test(e) && error.test(e)) {
        v.alterrors += " " + e;
    }
}

// Per-message fields, the secondary error text and a local delivery agent's verdict.
void finishRecord(DeliveryStatus& e, const ConnHeader& conn, const std::optional<MdaResult>& mda,
                  const Headers& head) {
    static const Regex command(R"([ ](RCPT|MAIL|DATA)[ ]+command\b)");
    if (e.date.empty()) e.date = conn.date;
    if (e.rhost.empty()) e.rhost = conn.rhost;
    if (e.lhost.empty()) e.lhost = conn.lhost;
    if (!e.alterrors.empty()) {
        if (e.diagnosis.empty()) e.diagnosis = e.alterrors;
        if (startsWith(e.diagnosis, "-") || endsWith(e.diagnosis, "__")) e.diagnosis = e.alterrors;
        e.alterrors.clear();
    }
    e.diagnosis = sweep(e.diagnosis);
    if (mda) {
        e.agent = mda->mda.empty() ? "RFC3464" : mda->mda;
        e.reason = mda->reason.empty() ? "undefined" : mda->reason;
        if (!mda->message.empty()) e.diagnosis = mda->message;
        e.command.clear();
    }
    if (e.date.empty()) e.date = head.get("date");
    if (e.status.empty()) e.status = findStatus(e.diagnosis);
    Match m;
    if (command.search(e.diagnosis, m)) e.command = m.str(1);
}

}  // namespace

std::optional<ReaderResult> readRfc3464(const Headers& head, std::string_view body) {
    static const Regex message(R"(\A(?>
         content-type:[ ]*(?:message/x?delivery-status|message/disposition-notification|text/plain;[ ]charset=)
        |the[ ]original[ ]message[ ]was[ ]received[ ]at[ ]
        |this[ ]report[ ]relates[ ]to[ ]your[ ]message
        |your[ ]message[ ](?:could[ ]not[ ]be[ ]delivered|was[ ]not[ ]delivered[ ]to[ ]the[ ]following[ ]recipients)
        ))",
                               Regex::extended);
    ReaderResult out;
    out.ds.emplace_back();
    StatusState st{out.ds, {}, {}, 0};
    std::string prev;
    int blankLines = 0;
    bool inStatus = false, inOriginal = false;
    for (std::string_view line : splitLines(body)) {
        std::string e(line);
        std::string d = lower(e);
        if (!inStatus && message.test(d)) {
            inStatus = true;
        } else if (!inOriginal && startsOriginal(d)) {
            inOriginal = true;
        } else if (inOriginal) {
            if (e.empty()) {
                if (++blankLines > 1) break;
            } else {
                out.rfc822 += e + "\n";
            }
        } else if (inStatus && !e.empty()) {
            statusLine(st, e, prev);
        }
        prev = e;
    }
    int recipients = st.recipients;
    if (recipients == 0) recipients = scanTextForRecipients(head, body, out.ds);
    if (recipients == 0) return std::nullopt;
    auto mda = readMda(head, body);
    for (auto& e : out.ds) finishRecord(e, st.conn, mda, head);
    return out;
}

std::optional<MdaResult> readMda(const Headers& head, std::string_view body) {
    static const Regex from(R"(\A(?:mail delivery subsystem|mailer-daemon|postmaster))");
    if (!from.test(lower(head.get("from"))) || body.empty()) return std::nullopt;
    static const Regex marker(
        R"(\A(?>Your[ ]message[ ]to[ ][^ ]+[ ]was[ ]automatically[ ]rejected:\z|(?:mail[.]local|procmail|maildrop|vdelivermail|vdeliver):[ ]))",
        Regex::extended);
    struct Agent {
        const char* name;
        Regex re;
        std::vector<std::pair<const char*, std::vector<std::string_view>>> reasons;
    };
    static const Agent agents[] = {
        {"dovecot", Regex(R"(\AYour message to [^ ]+ was automatically rejected:\z)"),
         {{"userunknown", {"mailbox doesn't exist: "}},
          {"mailboxfull", {"quota exceeded", "quota exceeded (mailbox for user is full)", "not enough disk space"}}}},
        {"mail.local", Regex(R"(\Amail[.]local: )"),
         {{"userunknown", {": unknown user:", ": user unknown", ": invalid mailbox path", ": user missing home directory"}},
          {"mailboxfull", {"disc quota exceeded", "mailbox full or quota exceeded"}},
          {"systemerror", {"temporary file write error"}}}},
        {"procmail", Regex(R"(\Aprocmail: )"),
         {{"mailboxfull", {"quota exceeded while writing"}}, {"systemfull", {"no space left to finish writing"}}}},
        {"maildrop", Regex(R"(\Amaildrop: )"),
         {{"userunknown", {"invalid user specified.", "cannot find system user"}},
          {"mailboxfull", {"maildir over quota."}}}},
        {"vpopmail", Regex(R"(\Avdelivermail: )"),
         {{"userunknown", {"sorry, no mailbox here by that name."}},
          {"filtered", {"account is locked email bounced", "user does not exist, but will deliver to "}},
          {"mailboxfull", {"domain is over quota", "user is over quota"}}}},
        {"vmailmgr", Regex(R"(\Avdeliver: )"),
         {{"userunknown", {"invalid or unknown base user or domain", "invalid or unknown virtual user",
                           "user name does not refer to a virtual user"}},
          {"mailboxfull", {"delivery failed due to system quota violation"}}}},
    };
    const Agent* agent = nullptr;
    std::vector<std::string_view> lines;
    for (std::string_view e : splitLines(body)) {
        if (!agent) {
            if (e.empty() || !marker.test(e)) continue;
            for (const auto& a : agents)
                if (a.re.test(e)) {
                    agent = &a;
                    break;
                }
        }
        lines.push_back(e);
        if (e.empty()) break;
    }
    if (!agent || lines.empty()) return std::nullopt;
    MdaResult r{agent->name, "", ""};
    for (const auto& [reason, phrases] : agent->reasons)
        for (std::string_view f : lines)
            if (containsAny(lower(f), phrases)) {
                r.reason = reason;
                r.message = std::string(f);
                return r;
            }
    return r;
}

}  // namespace v2v::bounce
