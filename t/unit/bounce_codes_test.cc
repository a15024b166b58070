// Status and reply codes, address extraction, and the reason rules.
#include <boost/test/unit_test.hpp>

#include "reason.h"
#include "report_address.h"
#include "smtp.h"

using namespace v2v::bounce;

BOOST_AUTO_TEST_CASE(status_codes_are_found_in_text) {
    BOOST_TEST(findStatus("550 5.1.1 <a@b>: User unknown") == "5.1.1");
    BOOST_TEST(findStatus("said: 550-5.7.26 unauthenticated") == "5.7.26");
    BOOST_TEST(findStatus("Status (#5.4.4) routing") == "5.4.4");
    BOOST_TEST(findStatus("250 2.1.5 Ok") == "2.1.5");
    BOOST_TEST(findStatus("no code here") == "");
    // Part of a longer dotted number (a version, an address) is not a status code.
    BOOST_TEST(findStatus("Exim 4.2.1.9 says hello") == "");
    BOOST_TEST(findStatus("relay 10.5.1.1 refused") == "");
}

BOOST_AUTO_TEST_CASE(reply_codes_ignore_ipv4_octets) {
    BOOST_TEST(findReplyCode("host [192.0.2.250] said: 421 try later") == "421");
    BOOST_TEST(findReplyCode("client 192.0.251.1") == "");
    BOOST_TEST(findReplyCode("X-Unix; 550 mailer") == "");
    BOOST_TEST(findReplyCode("250 ok") == "250");
}

BOOST_AUTO_TEST_CASE(standard_codes_and_pseudo_codes) {
    BOOST_TEST(statusReason("5.1.1") == "userunknown");
    BOOST_TEST(statusReason("5.2.2") == "mailboxfull");
    BOOST_TEST(statusReason("4.4.7") == "expired");
    BOOST_TEST(statusReason("5.9.9") == "");
    BOOST_TEST(pseudoStatus("userunknown", false) == "5.0.911");
    BOOST_TEST(pseudoStatus("mailboxfull", true) == "4.0.922");
    BOOST_TEST(pseudoStatus("userunknown", true) == "5.0.911");  // no temporary form
    BOOST_TEST(pseudoStatus("nonsense", false) == "");
}

BOOST_AUTO_TEST_CASE(permanence_and_hardness) {
    BOOST_TEST(isPermanent("550 5.1.1 x").value() == true);
    BOOST_TEST(isPermanent("452 4.2.2 x").value() == false);
    BOOST_TEST(isPermanent("a temporary problem").value() == false);
    BOOST_TEST(!isPermanent("no idea").has_value());
    BOOST_TEST(softOrHard("userunknown", "") == "hard");
    BOOST_TEST(softOrHard("mailboxfull", "") == "soft");
    BOOST_TEST(softOrHard("notaccept", "421 4.3.2 x") == "soft");
    BOOST_TEST(softOrHard("notaccept", "556 5.1.10 x") == "hard");
    BOOST_TEST(softOrHard("feedback", "") == "");
    BOOST_TEST(softOrHard("undefined", "") == "soft");
}

BOOST_AUTO_TEST_CASE(addresses_are_extracted) {
    auto a = findAddresses("\"Doe, John\" <john@example.com>, jane@example.org (Jane)");
    BOOST_REQUIRE(a.size() == 2u);
    BOOST_TEST(a[0].address == "john@example.com");
    BOOST_TEST(a[1].address == "jane@example.org");
    BOOST_TEST(firstAddress("rfc822; <x@y.test>") == "x@y.test");
    BOOST_TEST(firstAddress("no address") == "no address");
    BOOST_TEST(isEmailAddress("a.b+c@d.example"));
    BOOST_TEST(!isEmailAddress("a b@c"));
    BOOST_TEST(!isEmailAddress("a@b\n"));
    BOOST_TEST(isMailerDaemon("MAILER-DAEMON@host"));
    BOOST_TEST(cleanRecipient("<user@example.com>") == "user@example.com");
    BOOST_TEST(cleanRecipient("user@example.com.") == "user@example.com");
    BOOST_TEST(cleanRecipient("not an address") == "");
}

BOOST_AUTO_TEST_CASE(received_hosts) {
    auto h = receivedHosts("from mx.example.net (mx.example.net [192.0.2.1]) by relay.example.org with ESMTP");
    BOOST_REQUIRE(h.size() == 2u);
    BOOST_TEST(h[0] == "mx.example.net");
    BOOST_TEST(h[1] == "relay.example.org");
    BOOST_TEST(receivedHosts("(qmail 123 invoked for bounce)").empty());
}

namespace {
Facts facts(std::string status, std::string diag, std::string command = "", std::string reply = "") {
    Facts f;
    f.status = std::move(status);
    f.diagnostic = std::move(diag);
    f.command = std::move(command);
    f.replycode = std::move(reply);
    f.spec = "SMTP";
    f.action = "failed";
    return f;
}
}  // namespace

BOOST_AUTO_TEST_CASE(reasons_from_codes_and_wording) {
    BOOST_TEST(decideReason(facts("5.1.1", "550 5.1.1 User unknown", "RCPT")) == "userunknown");
    BOOST_TEST(decideReason(facts("5.2.2", "552 5.2.2 Mailbox full")) == "mailboxfull");
    // The status says "user unknown" but the wording says the client is blacklisted.
    BOOST_TEST(decideReason(facts("5.1.1", "550 5.1.1 blocked using zen.spamhaus.org", "RCPT")) == "blocked");
    BOOST_TEST(decideReason(facts("5.7.1", "554 5.7.1 Relay access denied", "RCPT")) == "norelaying");
    BOOST_TEST(decideReason(facts("5.7.1", "550 5.7.1 Message rejected as spam", "DATA")) == "spamdetected");
    BOOST_TEST(decideReason(facts("5.3.4", "552 5.3.4 Message size exceeds fixed limit")) == "mesgtoobig");
    BOOST_TEST(decideReason(facts("4.4.7", "delivery time expired")) == "expired");
    BOOST_TEST(decideReason(facts("5.0.0", "550 Sender verify failed", "MAIL")) == "rejected");
    BOOST_TEST(decideReason(facts("5.0.0", "something odd happened")) == "onhold");
    BOOST_TEST(decideReason(facts("", "")) == "undefined");
    BOOST_TEST(decideReason(facts("2.0.0", "250 ok")) == "delivered");
    Facts readerSaid = facts("5.0.0", "x");
    readerSaid.reason = "mailboxfull";  // a reader's own decision stands
    BOOST_TEST(decideReason(readerSaid) == "mailboxfull");
}

BOOST_AUTO_TEST_CASE(wording_rules_are_case_folded_phrases) {
    BOOST_TEST(matchReason("mailboxfull", "mailbox is full"));
    BOOST_TEST(matchReason("userunknown", "no such user here"));
    BOOST_TEST(matchReason("spamdetected", "our filters rate at and above 90 percent probability of being spam"));
    BOOST_TEST(!matchReason("spamdetected", "hello world"));
    BOOST_TEST(matchReason("vacation", "i am out of the office until monday"));
    BOOST_TEST(!matchReason("unknown-reason", "anything"));
}

BOOST_AUTO_TEST_CASE(remote_host_tables) {
    Facts g = facts("5.7.1", "550 5.7.1 Our system has detected that this message is likely unsolicited mail", "DATA",
                    "550");
    g.rhost = "gmail-smtp-in.l.google.com";
    BOOST_TEST(remoteHostReason(g) == "spamdetected");
    Facts x = facts("5.7.606", "550 5.7.606 Access denied, banned sending IP [192.0.2.1]", "RCPT", "550");
    x.rhost = "mx.outlook.example";
    BOOST_TEST(remoteHostReason(x) == "");  // not an Exchange Online host
    x.rhost = "nam02.mail.protection.outlook.com";
    BOOST_TEST(remoteHostReason(x) == "blocked");
    Facts other = facts("5.1.1", "550 unknown");
    other.rhost = "mx.example.org";
    BOOST_TEST(remoteHostReason(other) == "");
}
