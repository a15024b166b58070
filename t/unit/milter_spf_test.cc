// SPF through libspf2 with an in-memory zone: results per identity, the zone
// file format, the result cache and the SMTP policy.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "spf.h"
#include "spf_policy.h"

#include "config.h"

using namespace v2v;
using namespace v2v::milter;

namespace v2v::milter {
// Readable failures: "fail != pass" instead of a static assertion.
inline std::ostream& operator<<(std::ostream& o, SpfResult r) { return o << spfResultName(r); }
}  // namespace v2v::milter

namespace {

const char* kZone =
    "# test zone\n"
    "pass.test      TXT \"v=spf1 ip4:192.0.2.0/24 \" \"-all\"\n"
    "fail.test      TXT v=spf1 -all\n"
    "soft.test      TXT v=spf1 ~all\n"
    "neutral.test   TXT v=spf1 ?all\n"
    "broken.test    TXT v=spf1 bogus:mechanism -all\n"
    "slow.test      TIMEOUT\n"
    "include.test   TXT v=spf1 include:slow.test -all\n"
    "mx.test        TXT v=spf1 mx -all\n"
    "mx.test        MX 10 mail.mx.test\n"
    "mail.mx.test   A 198.51.100.25\n"
    "alias.test     CNAME pass.test\n"
    "old.test       SPF v=spf1 +all\n"
    "helo.remote.test TXT v=spf1 a -all\n"
    "helo.remote.test A 203.0.113.5\n";

const SpfChecker& checker() {
    static auto zone = parseSpfZone(kZone);
    static SpfChecker c(&zone, "mx.v2v.test");
    return c;
}

SpfResult mailFrom(const char* ip, const char* from, const char* helo = "helo.remote.test") {
    return checker().checkMailFrom(*parseIp(ip), helo, from).result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spf)

BOOST_AUTO_TEST_CASE(results_by_record) {
    BOOST_TEST(mailFrom("192.0.2.9", "a@pass.test") == SpfResult::pass);
    BOOST_TEST(mailFrom("198.51.100.9", "a@pass.test") == SpfResult::fail);
    BOOST_TEST(mailFrom("192.0.2.9", "a@fail.test") == SpfResult::fail);
    BOOST_TEST(mailFrom("192.0.2.9", "a@soft.test") == SpfResult::softfail);
    BOOST_TEST(mailFrom("192.0.2.9", "a@neutral.test") == SpfResult::neutral);
    BOOST_TEST(mailFrom("192.0.2.9", "a@nothing.test") == SpfResult::none);
    BOOST_TEST(mailFrom("192.0.2.9", "a@broken.test") == SpfResult::permerror);
    BOOST_TEST(mailFrom("192.0.2.9", "a@include.test") == SpfResult::temperror);
    BOOST_TEST(mailFrom("198.51.100.25", "a@mx.test") == SpfResult::pass);
    BOOST_TEST(mailFrom("198.51.100.26", "a@mx.test") == SpfResult::fail);
    BOOST_TEST(mailFrom("192.0.2.9", "a@alias.test") == SpfResult::pass);
    BOOST_TEST(mailFrom("192.0.2.9", "a@old.test") == SpfResult::pass);  // SPF type served as TXT
    BOOST_TEST(mailFrom("2001:db8::1", "a@pass.test") == SpfResult::fail);
}

BOOST_AUTO_TEST_CASE(helo_identity_and_null_sender) {
    BOOST_TEST(checker().checkHelo(*parseIp("203.0.113.5"), "helo.remote.test").result == SpfResult::pass);
    BOOST_TEST(checker().checkHelo(*parseIp("203.0.113.6"), "helo.remote.test").result == SpfResult::fail);
    // The null sender is postmaster@<helo>.
    BOOST_TEST(mailFrom("203.0.113.6", "") == SpfResult::fail);
    BOOST_TEST(mailFrom("203.0.113.5", "") == SpfResult::pass);
    BOOST_TEST(checker().checkHelo(*parseIp("203.0.113.5"), "").result == SpfResult::none);
}

BOOST_AUTO_TEST_CASE(answers_carry_explanation_and_received_spf) {
    auto a = checker().checkMailFrom(*parseIp("198.51.100.9"), "helo.remote.test", "a@pass.test");
    BOOST_TEST(a.receivedSpf.find("fail") == 0u);
    BOOST_TEST(a.receivedSpf.find("client-ip=198.51.100.9") != std::string::npos);
    for (char c : a.explanation) BOOST_TEST((c >= 32 && c < 127));
}

BOOST_AUTO_TEST_CASE(zone_file_errors) {
    BOOST_CHECK_THROW(parseSpfZone("name\n"), std::invalid_argument);
    BOOST_CHECK_THROW(parseSpfZone("a.test NS ns.a.test\n"), std::invalid_argument);
    BOOST_CHECK_THROW(parseSpfZone("a.test TXT\n"), std::invalid_argument);
    try {
        parseSpfZone("ok.test A 192.0.2.1\n\nbad\n");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "line 3: expected NAME TYPE DATA");
    }
    auto z = parseSpfZone("t.test TXT \"a\" \"b c\"\n");
    BOOST_TEST(z[0].data == "ab c");
    std::vector<SpfZoneEntry> bad = {{"a.test", "A", "not-an-ip"}};
    BOOST_CHECK_THROW(SpfChecker(&bad, "r"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(checker_is_thread_safe) {
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i)
                if (mailFrom("192.0.2.9", "a@pass.test") != SpfResult::pass) ++wrong;
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(wrong.load() == 0);
}

BOOST_AUTO_TEST_CASE(cache) {
    SpfCache c(std::chrono::seconds(60), 2);
    SpfAnswer a;
    a.result = SpfResult::pass;
    SpfAnswer got;
    BOOST_TEST(!c.get("k1", got));
    c.put("k1", a);
    BOOST_TEST(c.get("k1", got));
    BOOST_TEST((got.result == SpfResult::pass));
    a.result = SpfResult::temperror;
    c.put("k2", a);  // transient: never cached
    BOOST_TEST(!c.get("k2", got));
    a.result = SpfResult::fail;
    c.put("k2", a);
    c.put("k3", a);  // capacity 2: k1 (least recent) goes
    BOOST_TEST(!c.get("k1", got));
    BOOST_TEST(c.get("k3", got));
    SpfCache off(std::chrono::seconds(0), 10);
    off.put("k", a);
    BOOST_TEST(!off.get("k", got));
}

BOOST_AUTO_TEST_CASE(policy_codes) {
    MilterSpfConfig cfg;  // defaults: fail rejects, softfail tags, temperror tempfails, permerror tags
    auto v = spfVerdict(SpfResult::fail, cfg, "fail.test", "192.0.2.9", "see https://fail.test/why");
    BOOST_TEST((v.action == SpfVerdict::Action::reject));
    BOOST_TEST(v.rcode == "550");
    BOOST_TEST(v.xcode == "5.7.23");
    BOOST_TEST(v.text == "SPF validation failed: fail.test does not allow 192.0.2.9 to send (see https://fail.test/why)");
    v = spfVerdict(SpfResult::temperror, cfg, "slow.test", "192.0.2.9", "");
    BOOST_TEST((v.action == SpfVerdict::Action::tempfail));
    BOOST_TEST(v.rcode + " " + v.xcode == "451 4.7.24");
    BOOST_TEST((spfVerdict(SpfResult::softfail, cfg, "d", "ip", "").action == SpfVerdict::Action::accept));
    BOOST_TEST((spfVerdict(SpfResult::permerror, cfg, "d", "ip", "").action == SpfVerdict::Action::accept));
    BOOST_TEST((spfVerdict(SpfResult::pass, cfg, "d", "ip", "").action == SpfVerdict::Action::accept));
    cfg.fail_action = "tag";
    cfg.temperror_action = "tag";
    cfg.permerror_action = "reject";
    cfg.softfail_action = "reject";
    BOOST_TEST((spfVerdict(SpfResult::fail, cfg, "d", "ip", "").action == SpfVerdict::Action::accept));
    BOOST_TEST((spfVerdict(SpfResult::temperror, cfg, "d", "ip", "").action == SpfVerdict::Action::accept));
    BOOST_TEST(spfVerdict(SpfResult::permerror, cfg, "d", "ip", "").xcode == "5.7.24");
    BOOST_TEST(spfVerdict(SpfResult::softfail, cfg, "d", "ip", "").xcode == "5.7.23");
    cfg.permerror_action = "tempfail";
    BOOST_TEST(spfVerdict(SpfResult::permerror, cfg, "d", "ip", "").rcode == "451");
}

BOOST_AUTO_TEST_CASE(reply_text_is_safe) {
    BOOST_TEST(replySafe("100% sure\r\n250 ok") == "100 sure250 ok");
    BOOST_TEST(replySafe(std::string(500, 'x')).size() == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
