// VERP return path and ENVID encode/decode, including hostile forms.
#include <boost/test/unit_test.hpp>

#include "verp.h"

using namespace v2v;

static const std::string kId = "01ARYZ6S41TSV4RRFFQ69G5FAV";

BOOST_AUTO_TEST_CASE(verp_round_trip) {
    RecipientTag t{kId, 3};
    std::string a = verpAddress("bounce", t, "bounces.example.test");
    BOOST_TEST(a == "bounce+01ARYZ6S41TSV4RRFFQ69G5FAV-3@bounces.example.test");
    auto back = parseVerpAddress(a, "bounce", "bounces.example.test");
    BOOST_REQUIRE(back);
    BOOST_TEST(back->email_id == kId);
    BOOST_TEST(back->index == 3);
}

BOOST_AUTO_TEST_CASE(verp_tolerant_forms) {
    auto r = parseVerpAddress("<BOUNCE+01aryz6s41tsv4rrffq69g5fav-12@Bounces.Example.TEST>", "bounce",
                              "bounces.example.test");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->email_id == kId);
    BOOST_TEST(r->index == 12);
    BOOST_CHECK(parseVerpAddress("bounce+" + kId + "-0@x.test", "bounce", ""));  // any domain
}

BOOST_AUTO_TEST_CASE(verp_rejects) {
    const std::string d = "bounces.example.test";
    BOOST_CHECK(!parseVerpAddress("bounce+" + kId + "-1@other.test", "bounce", d));
    BOOST_CHECK(!parseVerpAddress("other+" + kId + "-1@" + d, "bounce", d));
    BOOST_CHECK(!parseVerpAddress("bounce" + kId + "-1@" + d, "bounce", d));
    BOOST_CHECK(!parseVerpAddress("bounce+" + kId + "@" + d, "bounce", d));
    BOOST_CHECK(!parseVerpAddress("bounce+" + kId + "-x@" + d, "bounce", d));
    BOOST_CHECK(!parseVerpAddress("bounce+" + kId + "-01@" + d, "bounce", d));
    BOOST_CHECK(!parseVerpAddress("bounce+" + kId + "-9999999@" + d, "bounce", d));
    BOOST_CHECK(!parseVerpAddress("", "bounce", d));
    BOOST_CHECK(!parseVerpAddress(std::string(5000, 'a'), "bounce", d));
}

BOOST_AUTO_TEST_CASE(envid_round_trip) {
    BOOST_TEST(envid({kId, 0}) == kId + "-0");
    auto r = parseEnvid(" " + kId + "-7 ");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->index == 7);
    BOOST_CHECK(!parseEnvid(kId));
    BOOST_CHECK(!parseEnvid(kId + "-"));
    BOOST_CHECK(!parseEnvid("garbage-1"));
}
