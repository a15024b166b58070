// Whole messages through a Session (the milter without libmilter): outbound
// signing and header hygiene, inbound Authentication-Results, SPF policy at
// MAIL FROM, internal errors, limits, reloads. Outputs are checked by
// verifying the edited message with libopendkim.
#include <boost/test/unit_test.hpp>

#include "dkim_lib.h"
#include "dkim_verify.h"
#include "milter_fixtures.h"

using namespace milter_test;

namespace {

const char* kOutbound =
    "X-V2V-Email-Id: 01HV5ZK6\n"
    "From: Shop <orders@example.test>\n"
    "To: bob@remote.test\n"
    "Subject: Order 1\n"
    "x-v2v-track: opens\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\n"
    "Message-ID: <01HV5ZK6@example.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Your order has shipped.\n";

// `extra`: more milter.* keys; `extraDkim`: more milter.dkim.*; `extraSpf`: more milter.spf.*.
std::shared_ptr<const Runtime> rt(const std::string& extra = "", const std::string& extraDkim = "",
                                  const std::string& extraSpf = "") {
    return runtimeFrom(milterYaml("  spf:\n    test_zone_file: " + dataPath("spf.zone") + "\n" + extraSpf + extra,
                                  extraDkim));
}

Session sessionWith(std::shared_ptr<const Runtime> r) {
    return Session([r] { return r; });
}

std::vector<DkimResult> verify(const Runtime& r, const Message& m) {
    DkimVerifier v(*r.dkim, "check");
    v.headers(m.headers);
    v.body(m.body);
    return v.finish();
}

bool hasHeader(const Message& m, const std::string& prefix) {
    for (const auto& h : m.headers)
        if (istartsWith(h.name, prefix)) return true;
    return false;
}

// The message as the outbound milter leaves it.
Message signedOutbound(const std::shared_ptr<const Runtime>& r) {
    Session s = sessionWith(r);
    RecordingIo io;
    Message in = parseMessage(kOutbound);
    runSession(s, io, in, "127.0.0.1", "bounce+01HV5ZK6-0@bounces.example.test");
    return applyEdits(in, io);
}

std::string authResults(const RecordingIo& io) {
    for (const auto& i : io.inserted)
        if (i.name == "Authentication-Results") return i.value;
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(milter_session)

BOOST_AUTO_TEST_CASE(outbound_strips_internal_headers_and_signs_with_both_keys) {
    auto r = rt();
    Session s = sessionWith(r);
    RecordingIo io;
    Message in = parseMessage(kOutbound);
    Run run = runSession(s, io, in, "127.0.0.1", "bounce+01HV5ZK6-0@bounces.example.test");
    BOOST_TEST((run.eom == Verdict::cont));
    BOOST_TEST((s.direction() == Direction::outbound));
    BOOST_TEST(s.queueId() == "4XyZ1Q");
    BOOST_REQUIRE(io.deleted.size() == 2u);
    BOOST_TEST(io.deleted[0].name == "X-V2V-Email-Id");
    BOOST_TEST(io.deleted[1].name == "x-v2v-track");
    BOOST_REQUIRE(io.inserted.size() == 2u);
    BOOST_TEST(io.inserted[0].name == "DKIM-Signature");
    BOOST_TEST(io.inserted[0].index == 0);
    BOOST_TEST(io.inserted[0].value.find(" v=1; a=ed25519-sha256;") == 0u);  // inserted last: ends on top
    BOOST_TEST(io.inserted[1].value.find(" v=1; a=rsa-sha256;") == 0u);
    BOOST_TEST(!io.bodyReplaced);
    Message out = applyEdits(in, io);
    BOOST_TEST(!hasHeader(out, "X-V2V-"));
    auto v = verify(*r, out);
    BOOST_REQUIRE(v.size() == 2u);
    BOOST_TEST(v[0].result == "pass");
    BOOST_TEST(v[1].result == "pass");
}

BOOST_AUTO_TEST_CASE(sendmail_mail_is_outbound_even_when_loopback_is_external) {
    auto r = rt("  direction:\n    internal_networks: []\n");
    Session s = sessionWith(r);
    RecordingIo io;
    Message in = parseMessage(kOutbound);
    runSession(s, io, in, "127.0.0.1", "orders@example.test", "localhost", 0, "localhost");
    BOOST_TEST((s.direction() == Direction::outbound));
    BOOST_TEST(io.inserted.size() == 2u);
    // The same client over SMTP is inbound: nothing signed, results added.
    Session s2 = sessionWith(r);
    RecordingIo io2;
    runSession(s2, io2, in, "127.0.0.1", "x@unknown.test", "localhost", 40000, "localhost");
    BOOST_TEST((s2.direction() == Direction::inbound));
    BOOST_TEST(authResults(io2) != "");
}

BOOST_AUTO_TEST_CASE(inbound_good_signature_gets_dkim_pass) {
    auto r = rt();
    Message signedMsg = signedOutbound(r);
    Session s = sessionWith(r);
    RecordingIo io;
    Run run = runSession(s, io, signedMsg, "198.51.100.7", "orders@example.test");
    BOOST_TEST((run.mail == Verdict::cont));
    BOOST_TEST((run.eom == Verdict::cont));
    std::string ar = authResults(io);
    BOOST_TEST(ar.find(" mx.v2v.test;\n\tdkim=pass header.d=example.test header.s=rsa1 header.a=rsa-sha256 header.b=") == 0u);
    BOOST_TEST(ar.find("dkim=pass header.d=example.test header.s=ed1 header.a=ed25519-sha256") != std::string::npos);
    BOOST_TEST(ar.find("spf=pass smtp.mailfrom=orders@example.test;\n\tspf=pass smtp.helo=client.remote.test") !=
               std::string::npos);
    BOOST_TEST(io.inserted[0].index == 0);
}

BOOST_AUTO_TEST_CASE(inbound_broken_signature_gets_dkim_fail) {
    auto r = rt();
    Message m = signedOutbound(r);
    m.body = "Your order has been cancelled.\r\n";
    Session s = sessionWith(r);
    RecordingIo io;
    runSession(s, io, m, "198.51.100.7", "orders@example.test");
    std::string ar = authResults(io);
    BOOST_TEST(ar.find("dkim=fail reason=") != std::string::npos);
    BOOST_TEST(ar.find("dkim=pass") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(inbound_unsigned_and_forged_results) {
    auto r = rt();
    Message m = parseMessage(
        "Authentication-Results: mx.v2v.test; dkim=pass header.d=example.test\n"
        "Authentication-Results: elsewhere.example; spf=pass\n"
        "X-V2V-Email-Id: forged\n"
        "From: a@remote.test\n"
        "Subject: hi\n"
        "\n"
        "body\n");
    Session s = sessionWith(r);
    RecordingIo io;
    runSession(s, io, m, "198.51.100.7", "a@remote.test");
    BOOST_TEST(authResults(io).find(" mx.v2v.test;\n\tdkim=none;\n\tspf=none smtp.mailfrom=a@remote.test") == 0u);
    Message out = applyEdits(m, io);
    int ours = 0, theirs = 0;
    for (const auto& h : out.headers) {
        if (h.name != "Authentication-Results") continue;
        if (h.value.find("elsewhere.example") != std::string::npos) ++theirs;
        if (h.value.find("mx.v2v.test") != std::string::npos) ++ours;
    }
    BOOST_TEST(ours == 1);  // only the one the milter added
    BOOST_TEST(theirs == 1);
    BOOST_TEST(!hasHeader(out, "X-V2V-"));  // internal headers are stripped both ways
}

BOOST_AUTO_TEST_CASE(spf_fail_is_rejected_at_mail_from) {
    auto r = rt();
    Session s = sessionWith(r);
    RecordingIo io;
    Run run = runSession(s, io, parseMessage(kOutbound), "203.0.113.9", "x@fail.test");
    BOOST_TEST((run.mail == Verdict::reject));
    BOOST_TEST(io.rcode == "550");
    BOOST_TEST(io.xcode == "5.7.23");
    BOOST_TEST(io.replyText.find("fail.test does not allow 203.0.113.9") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(spf_fail_is_tagged_when_configured) {
    auto r = rt("", "", "    fail_action: tag\n    received_spf: true\n");
    Session s = sessionWith(r);
    RecordingIo io;
    Run run = runSession(s, io, parseMessage(kOutbound), "203.0.113.9", "x@fail.test");
    BOOST_TEST((run.mail == Verdict::cont));
    BOOST_TEST((run.eom == Verdict::cont));
    BOOST_TEST(authResults(io).find("spf=fail smtp.mailfrom=x@fail.test") != std::string::npos);
    bool receivedSpf = false;
    for (const auto& i : io.inserted)
        receivedSpf = receivedSpf || (i.name == "Received-SPF" && i.value.find(" fail") == 0);
    BOOST_TEST(receivedSpf);
}

BOOST_AUTO_TEST_CASE(spf_temperror_tempfails_and_bypass_skips) {
    auto r = rt();
    Session s = sessionWith(r);
    RecordingIo io;
    Run run = runSession(s, io, parseMessage(kOutbound), "203.0.113.9", "x@slow.test");
    BOOST_TEST((run.mail == Verdict::tempfail));
    BOOST_TEST(io.rcode + " " + io.xcode == "451 4.7.24");

    auto bypass = rt("", "", "    bypass_networks: [203.0.113.0/24]\n");
    Session s2 = sessionWith(bypass);
    RecordingIo io2;
    Run run2 = runSession(s2, io2, parseMessage(kOutbound), "203.0.113.9", "x@fail.test");
    BOOST_TEST((run2.mail == Verdict::cont));
    BOOST_TEST(authResults(io2).find("spf=") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(null_sender_is_checked_by_helo) {
    auto r = rt();
    Session s = sessionWith(r);
    RecordingIo io;
    Run run = runSession(s, io, parseMessage(kOutbound), "198.51.100.99", "", "client.remote.test");
    BOOST_TEST((run.mail == Verdict::reject));  // HELO client.remote.test allows only 198.51.100.7
    Session s2 = sessionWith(r);
    RecordingIo io2;
    runSession(s2, io2, parseMessage(kOutbound), "198.51.100.7", "", "client.remote.test");
    BOOST_TEST(authResults(io2).find("spf=pass smtp.helo=client.remote.test") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(internal_errors_follow_on_error) {
    for (const char* action : {"tempfail", "reject", "accept"}) {
        auto r = rt(std::string("  on_error: ") + action + "\n");
        Session s = sessionWith(r);
        RecordingIo io;
        io.failInsert = true;  // the MTA refuses the DKIM-Signature header
        Message in = parseMessage(kOutbound);
        Verdict v;
        try {
            v = runSession(s, io, in, "127.0.0.1", "orders@example.test").eom;
            BOOST_FAIL("no error");
        } catch (const std::exception& e) {
            v = s.failed(io, "end of message", e);
        }
        if (std::string(action) == "tempfail") {
            BOOST_TEST((v == Verdict::tempfail));
            BOOST_TEST(io.rcode + " " + io.xcode == "451 4.3.0");
        } else if (std::string(action) == "reject") {
            BOOST_TEST((v == Verdict::reject));
            BOOST_TEST(io.rcode == "550");
        } else {
            BOOST_TEST((v == Verdict::accept));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_failure_without_reply_fails_the_end_of_message) {
    // With SMFIP_NR_EOH an end-of-headers error cannot be answered at once.
    auto r = rt();
    Session s = sessionWith(r);
    RecordingIo io;
    io.macros["i"] = "Q1";
    s.connect(io, "client", parseIp("127.0.0.1"), 4000);
    s.mailFrom(io, "<a@example.test>");
    s.header("From", " a@example.test");
    s.endOfHeaders(io);
    s.deferFailure("end of headers", "dkim_verify: out of memory");
    s.body("x\r\n");
    Verdict v = Verdict::cont;
    try {
        s.endOfMessage(io);
        BOOST_FAIL("no error");
    } catch (const std::exception& e) {
        BOOST_TEST(std::string(e.what()) == "end of headers: dkim_verify: out of memory");
        v = s.failed(io, "end of message", e);
    }
    BOOST_TEST((v == Verdict::tempfail));
    BOOST_TEST(io.inserted.empty());
    // The next message starts clean.
    RecordingIo io2;
    s.mailFrom(io2, "<a@example.test>");
    s.header("From", " a@example.test");
    s.endOfHeaders(io2);
    BOOST_TEST((s.endOfMessage(io2) == Verdict::cont));
}

BOOST_AUTO_TEST_CASE(outbound_over_the_size_limit_is_refused_not_sent_unsigned) {
    auto r = rt("  max_message_bytes: 1024\n");
    Session s = sessionWith(r);
    RecordingIo io;
    Message in = parseMessage(kOutbound);
    in.body = std::string(2000, 'x') + "\r\n";
    Run run = runSession(s, io, in, "127.0.0.1", "orders@example.test");
    BOOST_TEST((run.eom == Verdict::reject));
    BOOST_TEST(io.rcode + " " + io.xcode == "552 5.3.4");
    BOOST_TEST(io.inserted.empty());
}

BOOST_AUTO_TEST_CASE(authenticated_user_signs_only_mapped_domains) {
    auto r = rt("", "    users:\n      - {user: alice, domains: [example.test]}\n");
    for (const char* user : {"alice", "bob"}) {
        Session s = sessionWith(r);
        RecordingIo io;
        io.macros["{auth_authen}"] = user;
        Run run = runSession(s, io, parseMessage(kOutbound), "203.0.113.50", "orders@example.test");
        BOOST_TEST((s.direction() == Direction::outbound));
        BOOST_TEST((run.eom == Verdict::cont));
        BOOST_TEST(io.inserted.size() == (std::string(user) == "alice" ? 2u : 0u));
    }
}

BOOST_AUTO_TEST_CASE(body_rewrite_runs_before_signing) {
    auto r = std::const_pointer_cast<Runtime>(rt());
    r->bodyStages.push_back([](const OutboundContext&, const HeaderList&, std::string_view body) {
        StageResult res;
        res.body = std::string(body);
        res.body->replace(res.body->find("shipped"), 7, "SHIPPED");
        return res;
    });
    Session s = sessionWith(r);
    RecordingIo io;
    Message in = parseMessage(kOutbound);
    runSession(s, io, in, "127.0.0.1", "orders@example.test");
    BOOST_TEST(io.bodyReplaced);
    BOOST_TEST(io.newBody == "Your order has SHIPPED.\r\n");
    auto v = verify(*r, applyEdits(in, io));
    BOOST_REQUIRE(v.size() == 2u);
    BOOST_TEST(v[0].result == "pass");
}

BOOST_AUTO_TEST_CASE(reload_applies_from_the_next_message) {
    auto signing = rt();
    auto notSigning = rt("", "    sign: false\n");
    std::shared_ptr<const Runtime> current = signing;
    Session s([&current] { return current; });
    RecordingIo io;
    Message in = parseMessage(kOutbound);
    runSession(s, io, in, "127.0.0.1", "orders@example.test");
    BOOST_TEST(io.inserted.size() == 2u);
    current = notSigning;
    RecordingIo io2;
    s.mailFrom(io2, "<orders@example.test>");
    for (const auto& h : in.headers) s.header(h.name, h.value);
    s.endOfHeaders(io2);
    s.body(in.body);
    s.endOfMessage(io2);
    BOOST_TEST(io2.inserted.empty());
    BOOST_TEST(io2.deleted.size() == 2u);  // stripping never stops
}

BOOST_AUTO_TEST_CASE(abort_forgets_the_message) {
    auto r = rt();
    Session s = sessionWith(r);
    RecordingIo io;
    io.macros["i"] = "ABC";
    s.connect(io, "client", parseIp("127.0.0.1"), 4000);
    s.mailFrom(io, "<a@example.test>");
    s.header("X-V2V-Email-Id", " 1");
    s.endOfHeaders(io);
    s.abortMessage();
    BOOST_TEST(s.queueId() == "NOQUEUE");
    RecordingIo io2;
    s.mailFrom(io2, "<a@example.test>");
    s.header("Subject", " two");
    s.endOfHeaders(io2);
    s.endOfMessage(io2);
    BOOST_TEST(io2.deleted.empty());  // the aborted message's header is gone
}

BOOST_AUTO_TEST_SUITE_END()
