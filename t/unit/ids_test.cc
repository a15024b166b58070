// ULID generation, canonical form and ordering.
#include <boost/test/unit_test.hpp>

#include <set>

#include "ids.h"

using namespace v2v;

BOOST_AUTO_TEST_CASE(ulid_known_vector) {
    // Time 1469918176385 with all-zero randomness: "01ARYZ6S41" + 16 zeros (ulid spec example time).
    unsigned char r[10] = {0};
    BOOST_TEST(makeUlid(1469918176385ULL, r) == "01ARYZ6S410000000000000000");
    unsigned char ff[10];
    std::fill(ff, ff + 10, 0xff);
    BOOST_TEST(makeUlid(0, ff) == "0000000000ZZZZZZZZZZZZZZZZ");
    BOOST_TEST(ulidMillis("01ARYZ6S410000000000000000") == 1469918176385ULL);
}

BOOST_AUTO_TEST_CASE(ulid_unique_and_sorted) {
    std::string prev;
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        std::string id = newUlid();
        BOOST_REQUIRE_EQUAL(id.size(), 26u);
        BOOST_REQUIRE(id > prev);
        BOOST_REQUIRE(seen.insert(id).second);
        prev = id;
    }
}

BOOST_AUTO_TEST_CASE(ulid_normalize) {
    BOOST_TEST(*normalizeUlid("01aryz6s41tsv4rrffq69g5fav") == "01ARYZ6S41TSV4RRFFQ69G5FAV");
    BOOST_TEST(*normalizeUlid("01ARYZ6S4ITSV4RRFFQ69G5FAV") == "01ARYZ6S41TSV4RRFFQ69G5FAV");  // I → 1
    BOOST_CHECK(!normalizeUlid("01ARYZ6S41TSV4RRFFQ69G5FA"));    // short
    BOOST_CHECK(!normalizeUlid("01ARYZ6S41TSV4RRFFQ69G5FAU"));   // U not in alphabet
    BOOST_CHECK(!normalizeUlid("81ARYZ6S41TSV4RRFFQ69G5FAV"));   // > 128 bits
}

BOOST_AUTO_TEST_CASE(random_tokens) {
    BOOST_TEST(randomHex(16).size() == 32u);
    BOOST_TEST(randomToken(32).size() == 43u);
    BOOST_TEST(randomToken(32) != randomToken(32));
}
