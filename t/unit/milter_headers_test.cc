// Header rules: internal headers, forged Authentication-Results, From domain,
// line endings, and the Authentication-Results format.
#include <boost/test/unit_test.hpp>

#include "auth_results.h"
#include "headers.h"

using namespace v2v::milter;

namespace {
HeaderList sample() {
    return {{"Received", " from a"},          {"X-V2V-Email-Id", " 01H"},
            {"From", " Ann <ann@Example.TEST>"}, {"x-v2v-track", " 1"},
            {"Subject", " hi"},               {"X-V2V-Email-Id", " 02H"},
            {"X-V2Vnot", " kept"}};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(internal_headers_in_safe_deletion_order) {
    auto refs = internalHeaders(sample(), "X-V2V-");
    // Case-insensitive; per name the highest index first, so deleting one by
    // one never shifts the indexes still to delete.
    std::vector<HeaderRef> want = {{"X-V2V-Email-Id", 2}, {"X-V2V-Email-Id", 1}, {"x-v2v-track", 1}};
    BOOST_TEST(refs.size() == want.size());
    for (std::size_t i = 0; i < want.size() && i < refs.size(); ++i) BOOST_TEST((refs[i] == want[i]));
    BOOST_TEST(internalHeaders(sample(), "X-Other-").empty());
}

BOOST_AUTO_TEST_CASE(authserv_id_parsing) {
    BOOST_TEST(*authservIdOf(" mx.v2v.test; dkim=pass") == "mx.v2v.test");
    BOOST_TEST(*authservIdOf(" MX.V2V.Test 1; none") == "mx.v2v.test");
    BOOST_TEST(*authservIdOf(" (comment (nested)) mx.v2v.test;spf=pass") == "mx.v2v.test");
    BOOST_TEST(*authservIdOf("\n\t\"mx.v2v.test\"; none") == "mx.v2v.test");
    BOOST_TEST(*authservIdOf(" mx.v2v.test") == "mx.v2v.test");
    BOOST_TEST(!authservIdOf("   "));
    BOOST_TEST(!authservIdOf(" ; dkim=pass"));
    BOOST_TEST(!authservIdOf(" (unterminated comment"));
}

BOOST_AUTO_TEST_CASE(forged_auth_results_are_ours_only) {
    HeaderList h = {{"Authentication-Results", " mx.v2v.test; dkim=pass header.d=bank.test"},
                    {"Authentication-Results", " other.example; spf=pass"},
                    {"authentication-results", " (fake) MX.V2V.TEST; spf=pass"},
                    {"Authentication-Results-Original", " mx.v2v.test; none"}};
    auto refs = forgedAuthResults(h, "mx.v2v.test");
    BOOST_REQUIRE(refs.size() == 2u);
    BOOST_TEST(refs[0].index == 3);
    BOOST_TEST(refs[1].index == 1);
    BOOST_TEST(forgedAuthResults(h, "nobody.test").empty());
}

BOOST_AUTO_TEST_CASE(from_domain) {
    auto dom = [](const std::string& v) { return fromDomain({{"From", v}}); };
    BOOST_TEST(*dom(" Ann <ann@Example.TEST>") == "example.test");
    BOOST_TEST(*dom(" ann@example.test") == "example.test");
    BOOST_TEST(*dom(" ann@example.test (Ann)") == "example.test");
    BOOST_TEST(*dom(" \"Smith, <Ann>\" <ann@example.test>") == "example.test");
    BOOST_TEST(*dom(" (<x@evil.test>) <ann@example.test>") == "example.test");
    BOOST_TEST(*dom(" =?utf-8?q?J=C3=B6rg?=\n\t<j@sub.example.test>") == "sub.example.test");
    BOOST_TEST(*dom(" <@relay.test:ann@example.test>") == "example.test");
    BOOST_TEST(*dom(" a@one.test, b@two.test") == "one.test");
    BOOST_TEST(!dom(" undisclosed:;"));
    BOOST_TEST(!dom(" no address here"));
    BOOST_TEST(!dom(" <ann@>"));
    BOOST_TEST(!dom(" <ann@exa mple.test>"));
    BOOST_TEST(!dom(" <ann@example..test>"));
    BOOST_TEST(!dom(" <ann@example.test"));
    BOOST_TEST(!fromDomain({{"Subject", " x"}}));
    // Two From fields: ambiguous author, nothing is signed.
    BOOST_TEST(!fromDomain({{"From", " a@one.test"}, {"From", " b@two.test"}}));
}

BOOST_AUTO_TEST_CASE(line_endings) {
    BOOST_TEST(toCrlf("a\nb") == "a\r\nb");
    BOOST_TEST(toCrlf("a\r\nb") == "a\r\nb");
    BOOST_TEST(toCrlf("a\rb\n") == "a\r\nb\r\n");
    BOOST_TEST(headerLine({"Subject", " one\n\ttwo"}) == "Subject: one\r\n\ttwo");
    BOOST_TEST(*headerValue(sample(), "SUBJECT") == " hi");
    BOOST_TEST(!headerValue(sample(), "Date"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_results)

BOOST_AUTO_TEST_CASE(full_header) {
    AuthResults r;
    r.dkimChecked = true;
    r.dkim.push_back({"pass", "example.test", "rsa1", "rsa-sha256", "AbCd1234", ""});
    r.dkim.push_back({"fail", "example.test", "ed1", "ed25519-sha256", "x+y/z=", "signature did not verify"});
    r.spf.push_back({"pass", "mailfrom", "ann@example.test"});
    r.spf.push_back({"none", "helo", "client.remote.test"});
    BOOST_TEST(formatAuthResults("mx.v2v.test", r) ==
               " mx.v2v.test;\n"
               "\tdkim=pass header.d=example.test header.s=rsa1 header.a=rsa-sha256 header.b=AbCd1234;\n"
               "\tdkim=fail reason=\"signature did not verify\" header.d=example.test header.s=ed1"
               " header.a=ed25519-sha256 header.b=\"x+y/z=\";\n"
               "\tspf=pass smtp.mailfrom=ann@example.test;\n"
               "\tspf=none smtp.helo=client.remote.test");
}

BOOST_AUTO_TEST_CASE(none_and_no_signature) {
    BOOST_TEST(formatAuthResults("mx.v2v.test", AuthResults{}) == " mx.v2v.test; none");
    AuthResults r;
    r.dkimChecked = true;
    BOOST_TEST(formatAuthResults("mx.v2v.test", r) == " mx.v2v.test;\n\tdkim=none");
}

BOOST_AUTO_TEST_CASE(hostile_values_are_quoted_and_cleaned) {
    // A MAIL FROM with CR/LF, quotes and spaces cannot break out of the header.
    BOOST_TEST(arMailbox("evil\r\nX-Injected: 1@example.test") == "\"evilX-Injected: 1\"@example.test");
    std::string m = arMailbox("a\"b\r\n c@example.test");
    BOOST_TEST(m.find('\r') == std::string::npos);
    BOOST_TEST(m.find('\n') == std::string::npos);
    BOOST_TEST(m == "\"a\\\"b c\"@example.test");
    BOOST_TEST(arMailbox("first.last+tag@example.test") == "first.last+tag@example.test");
    BOOST_TEST(arMailbox("user@bad domain") == "\"user@bad domain\"");
    BOOST_TEST(arMailbox("client.remote.test") == "client.remote.test");
    BOOST_TEST(arValue("a;b") == "\"a;b\"");
    BOOST_TEST(arValue("") == "\"\"");
    AuthResults r;
    r.dkimChecked = true;
    r.dkim.push_back({"neutral", "evil.test;\r\nX: y", "s", "", "", "bad\nreason"});
    std::string h = formatAuthResults("mx.v2v.test", r);
    BOOST_TEST(h.find("\r") == std::string::npos);
    BOOST_TEST(h.find("\nX") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
