// qmail and qmail-derived reports: "<addr>:" lines followed by the remote
// host's answer ("Remote host said: ..."), and qmail's own phrases.
#include "lhost_util.h"
#include "smtp.h"

namespace v2v::bounce {
namespace {

std::optional<ReaderResult> readQmailLike(std::string_view body, const Regex& backbone, const StartFn& start,
                                          bool setStatus) {
    static const Regex rcpt(R"(\A(?:To[ ]*:)?[<](.+[@].+)[>]:[ \t]*\z)");
    static const Regex rehost(R"((?:
         Giving[ ]up[ ]on[ ]([^ ]+[0-9a-zA-Z])[.]?\z
        |Connected[ ]to[ ]([-0-9a-zA-Z.]+[0-9a-zA-Z])[ ]
        |remote[ ]host[ ]([-0-9a-zA-Z.]+[0-9a-zA-Z])[ ]said:
        ))",
                              Regex::extended);
    auto [errorPart, rfc822] = fillet(body, backbone);
    DsnCollector c;
    Match m;
    forEachLineAfter(errorPart, start, [&](std::string_view e) {
        if (rcpt.search(e, m)) {
            c.addRecipient(m.str(1));
        } else if (static_cast<int>(c.ds().size()) == c.recipients()) {
            DeliveryStatus& v = c.current();
            v.diagnosis += std::string(e) + " ";
            if (startsWith(e, "Remote host said:")) v.alterrors = std::string(e);
            if (v.rhost.empty() && rehost.search(e, m)) v.rhost = m.has(1) ? m.str(1) : m.has(2) ? m.str(2) : m.str(3);
        }
    });
    if (c.recipients() == 0) return std::nullopt;

    static const std::pair<const char*, Regex> smtp[] = {
        {"CONN", Regex(R"((?:Error:)?Connected to [^ ]+ but greeting failed[.])")},
        {"EHLO", Regex(R"((?:Error:)?Connected to [^ ]+ but my name was rejected[.])")},
        {"MAIL", Regex(R"((?:Error:)?Connected to [^ ]+ but sender was rejected[.])")},
        {"RCPT", Regex(R"((?:Error:)?[^ ]+ does not like recipient[.])")},
        {"DATA", Regex(R"((?:Error:)?[^ ]+ failed (?:on DATA command|after I sent the message)[.])")},
    };
    static const Regex progress(R"(Sorry,[ ]no[ ]SMTP[ ]connection[ ]got[ ]far[ ]enough;[ ]most[ ]progress[ ]was[ ]([A-Z]{4})[ ])");
    static const Regex onHold(R"(\A[^ ]+ does not like recipient[.][ \t]+.+this message has been in the queue too long[.]\z)");
    static const PhraseTable messages = {
        {"userunknown", {"no mailbox here by that name", "does not like recipient."}},
        {"mailboxfull", {"disk quota exceeded"}},
        {"mesgtoobig", {"Message size exceeds fixed maximum message size:"}},
        {"hostunknown", {"Sorry, I couldn't find any host "}},
        {"systemfull", {"Requested action not taken: mailbox unavailable (not enough free space)"}},
        {"systemerror", {"bad interpreter: No such file or directory", "system error", "Unable to"}},
        {"networkerror",
         {"Sorry, I wasn't able to establish an SMTP connection", "Sorry, I couldn't find a mail exchanger or IP address",
          "Sorry. Although I'm listed as a best-preference MX or A for that host"}},
    };
    static const PhraseTable ldap = {
        {"suspend", {"Mailaddress is administrative?le?y disabled"}},
        {"userunknown", {"Sorry, no mailbox here by that name"}},
        {"exceedlimit", {"The message exeeded the maximum size the user accepts"}},
        {"systemerror",
         {"Automatic homedir creator crashed", "Illegal value in LDAP attribute", "LDAP attribute is not given but mandatory",
          "Timeout while performing search on LDAP server", "Too many results returned but needs to be unique",
          "Permanent error while executing qmail-forward", "Temporary error in automatic homedir creation",
          "Temporary error while executing qmail-forward", "Temporary failure in LDAP lookup",
          "Unable to contact LDAP server", "Unable to login into LDAP server, bad credentials"}},
    };
    for (auto& e : c.ds()) {
        e.diagnosis = sweep(e.diagnosis);
        if (e.command.empty()) {
            for (const auto& [cmd, re] : smtp)
                if (re.test(e.diagnosis)) {
                    e.command = cmd;
                    break;
                }
            if (e.command.empty() && progress.search(e.diagnosis, m)) e.command = m.str(1);
        }
        if (e.command == "MAIL") {
            e.reason = "rejected";
        } else if (e.command == "HELO" || e.command == "EHLO") {
            e.reason = "blocked";
        } else if (onHold.test(e.diagnosis)) {
            e.reason = "onhold";
        } else {
            // With a "Remote host said:" line only that line decides.
            e.reason = reasonFromPhrases(e.alterrors.empty() ? e.diagnosis : e.alterrors, messages);
            if (e.reason.empty()) e.reason = reasonFromPhrases(e.diagnosis, ldap);
            if (e.reason.empty() && contains(e.diagnosis, "this message has been in the queue too long."))
                e.reason = "expired";
        }
        e.alterrors.clear();
        if (setStatus) e.status = findStatus(e.diagnosis);
    }
    return c.take(std::move(rfc822));
}

}  // namespace

std::optional<ReaderResult> readqmail(const Headers& head, std::string_view body) {
    static const Regex invoked(R"(\A[(]qmail[ ]+\d+[ ]+invoked[ ]+(?:for[ ]+bounce|from[ ]+network)[)])");
    if (head.get("subject") != "failure notice" && !anyReceived(head, invoked)) return std::nullopt;
    static const Regex backbone(R"(^--- Below this line is a copy of the message[.])", Regex::multiline);
    return readQmailLike(body, backbone, startsWithAny({"Hi. This is the qmail"}), true);
}

std::optional<ReaderResult> readX4(const Headers& head, std::string_view body) {
    static const Regex invoked(R"(\A[(]qmail[ ]+\d+[ ]+invoked[ ]+for[ ]+bounce[)])");
    const std::string& subject = head.get("subject");
    if (!startsWith(subject, "failure notice") && !startsWith(subject, "Permanent Delivery Failure") &&
        !anyReceived(head, invoked))
        return std::nullopt;
    static const Regex backbone(R"(^---[ ](?:Below[ ]this[ ]line[ ]is[ ]a[ ]copy[ ]of[ ]the[ ]message|Original[ ]message[ ]follows)[.])",
                                Regex::multiline | Regex::extended);
    static const Regex marker(R"(\A(?>
         He/Her[ ]is[ ]not[ ].+[ ]user
        |Hi[.][ ].+[ ]unable[ ]to[ ]deliver[ ]your[ ]message[ ]to[ ]the[ ]following[ ]addresses
        |Su[ ]mensaje[ ]no[ ]pudo[ ]ser[ ]entregado
        |This[ ]is[ ]the[ ](?:machine[ ]generated[ ]message[ ]from[ ]mail[ ]service|mail[ ]delivery[ ]agent[ ]at)
        |Unable[ ]to[ ]deliver[ ]message[ ]to[ ]the[ ]following[ ]address
        |Unfortunately,[ ]your[ ]mail[ ]was[ ]not[ ]delivered[ ]to[ ]the[ ]following[ ]address:
        |Your[ ](?:mail[ ]message[ ]to[ ]the[ ]following[ ]address|message[ ]to[ ]the[ ]following[ ]addresses)
        |We're[ ]sorry[.]
        ))",
                              Regex::extended);
    return readQmailLike(body, backbone, matches(marker), false);
}

}  // namespace v2v::bounce
