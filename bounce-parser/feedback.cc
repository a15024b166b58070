// Readers for reports that are not delivery failures: ARF complaint reports
// (RFC 5965, message/feedback-report) and automatic replies (RFC 3834:
// Auto-Submitted, vacation and out-of-office subjects).
#include "report_address.h"
#include "dsn.h"
#include "lhost.h"
#include "mime.h"
#include "pattern.h"
#include "text.h"

namespace v2v::bounce {
namespace {

const char kUndisclosed[] = "undisclosed-recipient-in-headers@libsisimai.org.invalid";

bool isReturnedHeader(std::string_view name) {
    static const std::string_view names[] = {
        "message-id", "subject",     "list-id",     "date",        "posted-date",      "posted",
        "resent-date", "from",       "return-path", "reply-to",    "errors-to",        "reverse-path",
        "x-postfix-sender", "envelope-from", "x-envelope-from", "to", "delivered-to", "forward-path",
        "envelope-to", "x-envelope-to", "resent-to", "apparently-to"};
    for (auto n : names)
        if (n == name) return true;
    return false;
}

}  // namespace

bool isArf(const Headers& head) {
    static const Regex reportType(R"(report-type=["]?feedback-report["]?)", Regex::icase);
    static const Regex reportFrom(R"((?:staff[@]hotmail[.]com|complaints[@]email-abuse[.]amazonses[.]com)\z)");
    const std::string& ct = head.get("content-type");
    if (reportType.test(ct)) return true;
    if (contains(lower(ct), "multipart/mixed"))
        return reportFrom.test(firstAddress(head.get("from"))) &&
               contains(head.get("subject"), "complaint about message from ");
    return false;
}

namespace {

// What an ARF report says, read line by line.
struct ArfState {
    explicit ArfState(ReaderResult& o) : out(o) {}
    ReaderResult& out;
    std::string previous;  // the returned header a folded line continues
    std::string rcptInText, diagnosis, from, commonRhost, feedbackType, rhost, agent, date, authres;
    int recipients = 0;
};

// A line of the returned message: keeps the headers correlation needs.
void arfOriginalLine(ArfState& st, std::string_view e) {
    static const Regex hmRecipient(R"(X-HmXmrOriginalRecipient:[ ]*(.+)\z)");
    static const Regex fromLine(R"(\AFrom:[ ]*(.+)\z)");
    Match m;
    if (hmRecipient.search(e, m)) {
        st.out.ds.back().recipient = firstAddress(m[1]);
        ++st.recipients;
        st.feedbackType = "abuse";
        st.agent = "Microsoft Junk Mail Reporting Program";
    } else if (fromLine.search(e, m)) {
        if (st.from.empty()) st.from = firstAddress(m[1]);
        st.previous = "from";
    } else if (!e.empty() && (e[0] == ' ' || e[0] == '\t')) {
        if (st.previous == "from")
            st.from.append(e);
        else if (st.previous == "to" || st.previous == "subject" || st.previous == "message-id")
            st.out.rfc822 += std::string(e) + "\n";
    } else {
        std::size_t colon = e.find(':');
        std::string lhs = lower(e.substr(0, colon));
        if (lhs.empty()) return;
        st.previous.clear();
        if (colon == std::string_view::npos || !isReturnedHeader(lhs)) return;
        st.previous = lhs;
        st.out.rfc822 += std::string(e) + "\n";
        if (lhs == "to") st.rcptInText = std::string(trim(e.substr(colon + 1)));
    }
}

// A field of the message/feedback-report part.
void arfReportLine(ArfState& st, std::string_view e) {
    static const Regex rcptTo(R"(\AOriginal-Rcpt-To:[ ]+[<]?(.+)[>]?\z)");
    static const Regex redacted(R"(\ARedacted-Address:[ ]([^ ].+[@])\z)");
    static const Regex fbType(R"(\AFeedback-Type:[ ]*([^ ]+)\z)");
    static const Regex authRes(R"(\AAuthentication-Results:[ ]*(.+)\z)");
    static const Regex userAgent(R"(\AUser-Agent:[ ]*(.+)\z)");
    static const Regex arrival(R"(\A(?:Received|Arrival)-Date:[ ]*(.+)\z)");
    static const Regex reporting(R"(\AReporting-MTA:[ ]*dns;[ ]*(.+)\z)");
    static const Regex sourceIp(R"(\ASource-I[Pp]:[ ]*(.+)\z)");
    static const Regex mailFrom(R"(\AOriginal-Mail-From:[ ]*(.+)\z)");
    Match m;
    if (rcptTo.search(e, m) || redacted.search(e, m)) {
        nextRecord(st.out.ds).recipient = firstAddress(m[1]);
        ++st.recipients;
    } else if (fbType.search(e, m)) {
        st.feedbackType = m.str(1);
    } else if (authRes.search(e, m)) {
        st.authres = m.str(1);
    } else if (userAgent.search(e, m)) {
        st.agent = m.str(1);
    } else if (arrival.search(e, m)) {
        st.date = m.str(1);
    } else if (reporting.search(e, m)) {
        st.commonRhost = m.str(1);
    } else if (sourceIp.search(e, m)) {
        st.rhost = m.str(1);
    } else if (mailFrom.search(e, m)) {
        if (st.from.empty()) st.from = firstAddress(m[1]);
    }
}

// Fills the records from what the report said as a whole.
void finishArf(ArfState& st, const Headers& head) {
    ReaderResult& out = st.out;
    Match m;
    if (st.feedbackType == "auth-failure" && !st.authres.empty()) st.diagnosis += " " + st.authres;
    if (st.recipients == 0) {
        static const Regex to(R"(^To: (.+[@].+)$)", Regex::multiline);
        out.ds.back().recipient = to.search(out.rfc822, m) ? firstAddress(m[1]) : kUndisclosed;
    }
    static const Regex fromHeader(R"(\bFrom: [^ ]+[@][^ ]+\b)");
    if (!fromHeader.test(out.rfc822) && !st.from.empty()) out.rfc822 += "From: " + st.from + "\n";
    static const Regex msComplaint(R"(complaint about message from (\d{1,3}[.]\d{1,3}[.]\d{1,3}[.]\d{1,3}))");
    if (msComplaint.search(head.get("subject"), m)) {
        st.rhost = m.str(1);
        st.diagnosis = "This is a Microsoft email abuse report for an email message received from IP " + st.rhost +
                       " on " + head.get("date");
    }
    static const Regex receivedFromIp(R"(\breceived from IP address ([^ ]+))");
    static const Regex localPartOnly(R"(\A[^ ]+[@]\z)");
    for (auto& e : out.ds) {
        if (localPartOnly.test(e.recipient)) e.recipient = firstAddress(st.rcptInText);
        if (e.feedbacktype.empty()) e.feedbacktype = st.feedbackType;
        if (e.rhost.empty()) e.rhost = st.rhost;
        if (e.date.empty()) e.date = st.date.empty() ? head.get("date") : st.date;
        if (e.diagnosis.empty()) e.diagnosis = st.diagnosis;
        e.diagnosis = sweep(e.diagnosis);
        e.reason = "feedback";
        e.command.clear();
        e.action.clear();
        e.agent = "Feedback-Loop";
        if (e.rhost.empty()) {
            if (!st.commonRhost.empty())
                e.rhost = st.commonRhost;
            else if (receivedFromIp.search(e.diagnosis, m))
                e.rhost = m.str(1);
        }
    }
}

}  // namespace

std::optional<ReaderResult> readArf(const Headers& head, std::string_view body) {
    if (!isArf(head)) return std::nullopt;
    static const Regex message(R"(\A(?>
         [Tt]his[ ]is[ ]a[ ][^ ]+[ ](?:email[ ])?[Aa]buse[ ][Rr]eport
        |[Tt]his[ ]is[ ]an[ ]email[ ]abuse[ ]report
        |[Tt]his[ ]is[ ](?:
             a[ ][^ ]+[ ]authentication[ -]failure[ ]report
            |an[ ]authentication[ -]failure[ ]report
            |an[ ]autogenerated[ ]email[ ]abuse[ ]complaint
            |an?[ ][^ ]+[ ]report[ ]for
            )
        ))",
                               Regex::extended);
    ReaderResult out;
    out.ds.emplace_back();
    ArfState st(out);
    bool inReport = false, inOriginal = false;
    for (std::string_view e : splitLines(body)) {
        if (st.diagnosis.empty() && message.test(e)) st.diagnosis = std::string(e);
        if (!inReport && startsWith(e, "Content-Type: message/feedback-report")) inReport = true;
        if (!inOriginal && (startsWith(e, "Content-Type: message/rfc822") ||
                            startsWith(e, "Content-Type: text/rfc822-headers"))) {
            inOriginal = true;
        } else if (inOriginal) {
            arfOriginalLine(st, e);
        } else if (inReport && !e.empty()) {
            arfReportLine(st, e);
        }
    }
    finishArf(st, head);
    return out;
}

std::optional<ReaderResult> readRfc3834(const Headers& head, std::string_view body) {
    static const Regex exSubject(R"((?:security[ ]information[ ]for|mail[ ]failure[ ][-]))");
    static const Regex exFrom(R"((?:root|postmaster|mailer-daemon)[@])");
    static const Regex exTo(R"(root[@])");
    if ((head.has("subject") && exSubject.test(lower(head.get("subject")))) ||
        (head.has("from") && exFrom.test(lower(head.get("from")))) ||
        (head.has("to") && exTo.test(lower(head.get("to")))))
        return std::nullopt;
    static const Regex autoSubmitted(R"(\Aauto-(?:generated|replied|notified))");
    static const Regex suppress(R"((?:oof|autoreply))");
    static const Regex apple(R"(\Avacation\z)");
    static const Regex precedence(R"(\Aauto_reply\z)");
    static const Regex subject(R"(\A(?>auto:|auto[ ]response:|automatic[ ]reply:|out[ ]of[ ](?:the[ ])*office:))");
    bool autoReply = (head.has("auto-submitted") && autoSubmitted.test(lower(head.get("auto-submitted")))) ||
                     (head.has("x-auto-response-suppress") && suppress.test(lower(head.get("x-auto-response-suppress")))) ||
                     (head.has("x-apple-action") && apple.test(lower(head.get("x-apple-action")))) ||
                     (head.has("precedence") && precedence.test(lower(head.get("precedence")))) ||
                     subject.test(lower(head.get("subject")));
    if (!autoReply) return std::nullopt;

    ReaderResult out;
    out.ds.emplace_back();
    DeliveryStatus& v = out.ds.back();
    std::string who = head.has("from") ? head.get("from") : head.get("return-path");
    if (who.empty()) return std::nullopt;
    v.recipient = firstAddress(who);

    std::string boundary = contentParam(head.get("content-type"), "boundary");
    int blank = 0, until = 1, loaded = 0;
    for (std::string_view e : splitLines(body)) {
        if (!boundary.empty() && e == "--" + boundary) ++until;
        if (e.empty()) {
            if (++blank > until) break;
            continue;
        }
        if (!contains(e, " ") || startsWith(e, "Content-Type") || startsWith(e, "Content-Transfer")) continue;
        v.diagnosis += std::string(e) + " ";
        if (++loaded >= 5) break;
    }
    if (v.diagnosis.empty()) v.diagnosis = head.get("subject");
    v.diagnosis = sweep(v.diagnosis);
    v.reason = "vacation";
    v.date = head.get("date");
    v.status.clear();
    static const Regex subjectSet(
        R"(\A(?>(?:.+?)?re:|auto(?:[ ]response):|automatic[ ]reply:|out[ ]of[ ]office:)[ ]*(.+)\z)");
    Match m;
    std::string lowerSubject = lower(head.get("subject"));  // the match points into it
    if (subjectSet.search(lowerSubject, m)) out.rfc822 = "Subject: " + m.str(1) + "\n";
    return out;
}

}  // namespace v2v::bounce
