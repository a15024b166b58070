// DKIM signing and verification through libopendkim: both algorithms on one
// message, pre-parsed and PEM keys, the signed header list, tampering, and
// the result mapping.
#include <boost/test/unit_test.hpp>

#include "dkim_lib.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "milter_fixtures.h"
#include "preparsed_keys.h"

using namespace milter_test;

namespace {

const char* kMessage =
    "From: Ann Example <ann@example.test>\n"
    "To: bob@remote.test\n"
    "Subject: Your receipt\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\n"
    "Message-ID: <01HV5Z@example.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "X-Mailer: test\n"
    "\n"
    "Hello Bob,\n"
    "\n"
    "thank you.  \n"
    "\n"
    "\n";

DkimLibOptions libOptions() {
    DkimLibOptions o;
    o.signedHeaders = Config{}.milter.dkim.signed_headers;
    o.oversignedHeaders = Config{}.milter.dkim.oversigned_headers;
    o.testKeysFile = dataPath("keys.records");
    return o;
}

const DkimLib& lib() {
    static DkimLib l(libOptions());
    return l;
}

const KeyTable& keys(bool preparsed) {
    auto load = [](bool p) {
        DkimKeyConfig rsa{"example.test", "rsa1", dataPath("rsa2048.pem"), "rsa-sha256"};
        DkimKeyConfig ed{"example.test", "ed1", dataPath("ed25519.pem"), "ed25519-sha256"};
        return KeyTable::load({rsa, ed}, p, nullptr);
    };
    static KeyTable pre = load(true), pem = load(false);
    return preparsed ? pre : pem;
}

Message signedMessage(bool preparsed, Canonicalization c = {}) {
    Message m = parseMessage(kMessage);
    auto sigs = signMessage(lib(), keys(preparsed).forDomain("example.test"), m.headers, m.body, "T1", c);
    for (auto it = sigs.rbegin(); it != sigs.rend(); ++it) m.headers.insert(m.headers.begin(), {"DKIM-Signature", " " + *it});
    return m;
}

std::vector<DkimResult> verify(const Message& m) {
    DkimVerifier v(lib(), "T1");
    v.headers(m.headers);
    v.body(m.body);
    return v.finish();
}

std::string tag(const std::string& sig, const std::string& name) {
    std::string flat = ";";
    for (char c : sig)
        if (c != '\n' && c != '\t' && c != ' ' && c != '\r') flat += c;
    auto p = flat.find(";" + name + "=");
    if (p == std::string::npos) return "";
    auto start = p + name.size() + 2;
    return flat.substr(start, flat.find(';', start) - start);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dkim_sign_verify)

BOOST_AUTO_TEST_CASE(preparsed_keys_are_handed_to_libopendkim) {
    BOOST_TEST(preparsedKeysSelfTest());
    unsigned long before = preparsedKeyHits();
    signedMessage(true);
    BOOST_TEST(preparsedKeyHits() == before + 2);  // one per signature
    signedMessage(false);
    BOOST_TEST(preparsedKeyHits() == before + 2);  // PEM text: parsed by OpenSSL
}

BOOST_AUTO_TEST_CASE(rsa_and_ed25519_on_one_message_verify) {
    for (bool pre : {true, false}) {
        Message m = signedMessage(pre);
        auto r = verify(m);
        BOOST_REQUIRE(r.size() == 2u);
        BOOST_TEST(r[0].result == "pass");
        BOOST_TEST(r[0].selector == "rsa1");
        BOOST_TEST(r[0].algorithm == "rsa-sha256");
        BOOST_TEST(r[1].result == "pass");
        BOOST_TEST(r[1].selector == "ed1");
        BOOST_TEST(r[1].algorithm == "ed25519-sha256");
        BOOST_TEST(r[0].bPrefix.size() >= 8u);
        BOOST_TEST(r[0].reason.empty());
    }
}

BOOST_AUTO_TEST_CASE(signed_header_list_and_tags) {
    Message m = signedMessage(true);
    const std::string& sig = m.headers[0].value;
    BOOST_TEST(tag(sig, "c") == "relaxed/relaxed");
    BOOST_TEST(tag(sig, "d") == "example.test");
    BOOST_TEST(tag(sig, "a") == "rsa-sha256");
    // Present headers of the list, then From/To/Subject once more (oversigning).
    BOOST_TEST(tag(sig, "h") == "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:From:To:Subject");
    BOOST_TEST(sig.find("X-Mailer") == std::string::npos);
    BOOST_TEST(sig.find('\r') == std::string::npos);  // folded with "\n\t" for the milter protocol
}

BOOST_AUTO_TEST_CASE(simple_canonicalization) {
    // relaxed/simple: both algorithms verify.
    Message m = signedMessage(true, Canonicalization{true, false});
    BOOST_TEST(tag(m.headers[0].value, "c") == "relaxed/simple");
    auto r = verify(m);
    BOOST_REQUIRE(r.size() == 2u);
    BOOST_TEST(r[0].result == "pass");
    BOOST_TEST(r[1].result == "pass");
    // simple/simple (RSA only: Runtime::build refuses it with Ed25519 keys,
    // whose signatures libopendkim 2.11 then gets wrong).
    Message s = parseMessage(kMessage);
    auto sig = signMessage(lib(), {keys(true).forDomain("example.test")[0]}, s.headers, s.body, "T1",
                           Canonicalization{false, false});
    s.headers.insert(s.headers.begin(), {"DKIM-Signature", " " + sig[0]});
    BOOST_TEST(tag(s.headers[0].value, "c") == "simple/simple");
    BOOST_TEST(verify(s)[0].result == "pass");
    // simple breaks on whitespace changes that relaxed tolerates.
    s.headers[3].value = "  Your receipt";  // Subject
    BOOST_TEST(verify(s)[0].result == "fail");
}

BOOST_AUTO_TEST_CASE(tampering_fails) {
    Message body = signedMessage(true);
    body.body.insert(0, "P.S. click here\r\n");
    auto r = verify(body);
    BOOST_REQUIRE(r.size() == 2u);
    BOOST_TEST(r[0].result == "fail");
    BOOST_TEST(r[1].result == "fail");
    BOOST_TEST(!r[0].reason.empty());

    Message hdr = signedMessage(true);
    hdr.headers[4].value = " Refund";  // the Subject (two signatures above it)
    BOOST_TEST(verify(hdr)[0].result == "fail");

    // An added second Subject is caught by oversigning.
    Message added = signedMessage(true);
    added.headers.push_back({"Subject", " Second subject"});
    BOOST_TEST(verify(added)[0].result == "fail");

    // Relaxed canonicalization: whitespace changes do not matter.
    Message ws = signedMessage(true);
    ws.headers[4].value = "   Your   receipt";
    BOOST_TEST(verify(ws)[0].result == "pass");
}

BOOST_AUTO_TEST_CASE(unsigned_message_and_unknown_key) {
    BOOST_TEST(verify(parseMessage(kMessage)).empty());
    Message m = signedMessage(true);
    // Point the first signature at a selector with no key record.
    auto& v = m.headers[0].value;
    v.replace(v.find("s=rsa1"), 6, "s=none");
    auto r = verify(m);
    BOOST_REQUIRE(r.size() == 2u);
    BOOST_TEST(r[0].result == "permerror");
    BOOST_TEST(r[1].result == "pass");
}

BOOST_AUTO_TEST_CASE(at_most_max_signatures_are_checked) {
    DkimLibOptions o = libOptions();
    o.maxSignatures = 1;
    DkimLib one(o);
    Message m = signedMessage(true);
    DkimVerifier v(one, "T2");
    v.headers(m.headers);
    v.body(m.body);
    auto r = v.finish();
    BOOST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].result == "pass");
}

BOOST_AUTO_TEST_CASE(result_mapping) {
    auto res = [](unsigned flags, int bh, int err) { return dkimResultFor(SigFacts{flags, bh, err}); };
    BOOST_TEST(res(DKIM_SIGFLAG_PASSED | DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_MATCH, DKIM_SIGERROR_OK) == "pass");
    BOOST_TEST(res(DKIM_SIGFLAG_PASSED | DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_MISMATCH, DKIM_SIGERROR_UNKNOWN) == "fail");
    BOOST_TEST(res(DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_BADSIG) == "fail");
    BOOST_TEST(res(DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_KEYFAIL) == "temperror");
    BOOST_TEST(res(DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_NOKEY) == "permerror");
    BOOST_TEST(res(DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_KEYREVOKED) == "permerror");
    BOOST_TEST(res(DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_KEYTOOSMALL) == "policy");
    BOOST_TEST(res(DKIM_SIGFLAG_PROCESSED, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_EXPIRED) == "policy");
    BOOST_TEST(res(0, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_MISSING_B) == "neutral");
    BOOST_TEST(res(0, DKIM_SIGBH_UNTESTED, DKIM_SIGERROR_UNKNOWN) == "neutral");
}

BOOST_AUTO_TEST_CASE(canonicalization_names) {
    BOOST_TEST(parseCanonicalization("relaxed/simple").relaxedHeader);
    BOOST_TEST(!parseCanonicalization("relaxed/simple").relaxedBody);
    BOOST_CHECK_THROW(parseCanonicalization("relaxed"), std::invalid_argument);
    BOOST_CHECK_THROW(parseCanonicalization("loose/simple"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
