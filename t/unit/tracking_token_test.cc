// Tracking tokens: round trips of every kind, key rotation, and refusal of
// tampered, truncated, re-keyed, re-kinded and hostile tokens.
#include <boost/test/unit_test.hpp>

#include "base64.h"
#include "tracking_token.h"

using namespace v2v;

namespace {

const std::string kId = "01ARYZ6S41TSV4RRFFQ69G5FAV";
const SigningKey kOld{"t0", "old-secret-0123456789abcdef0123456789"};
const SigningKey kNew{"t1", "new-secret-0123456789abcdef0123456789"};

TrackingTarget click(const std::string& url) {
    TrackingTarget t;
    t.kind = TokenKind::click;
    t.email_id = kId;
    t.recipient = 3;
    t.url = url;
    return t;
}

std::string b64(const std::string& bin) { return base64Encode(bin, Base64::url); }

std::string unb64(const std::string& s) {
    auto bin = base64Decode(s, Base64::url);
    BOOST_REQUIRE(bin);
    return *bin;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tracking_token)

BOOST_AUTO_TEST_CASE(round_trip_of_every_kind) {
    TrackingTarget open;
    open.email_id = kId;
    open.recipient = 0;
    TrackingTarget unsub = open;
    unsub.kind = TokenKind::unsubscribe;
    unsub.recipient = 200;  // a two-byte varint
    TrackingTarget smtp;    // SMTP mail without VERP: client only
    smtp.client_id = "shop-1";
    TrackingTarget c = click("https://shop.example/p?a=1&b=%20x#frag");
    for (const auto& t : {open, unsub, smtp, c}) {
        std::string tok = makeToken(t, kNew);
        BOOST_TEST(tok.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                   std::string::npos);
        auto back = verifyToken(tok, {kNew});
        BOOST_REQUIRE(back);
        BOOST_CHECK(*back == t);
    }
}

BOOST_AUTO_TEST_CASE(deterministic_and_compact) {
    TrackingTarget open;
    open.email_id = kId;
    open.recipient = 1;
    BOOST_TEST(makeToken(open, kNew) == makeToken(open, kNew));
    BOOST_TEST(makeToken(open, kNew).size() < 80u);  // 16-byte id + 32-byte MAC
}

BOOST_AUTO_TEST_CASE(rotation_old_keys_verify_unknown_keys_do_not) {
    std::string oldTok = makeToken(click("https://a.example/"), kOld);
    BOOST_CHECK(verifyToken(oldTok, {kNew, kOld}));
    BOOST_CHECK(!verifyToken(oldTok, {kNew}));  // retired key
    // Same key id, another secret: refused.
    BOOST_CHECK(!verifyToken(oldTok, {SigningKey{"t0", "someone-elses-secret-0123456789abcd"}}));
    BOOST_CHECK(!verifyToken(oldTok, {}));
}

BOOST_AUTO_TEST_CASE(every_flipped_bit_is_refused) {
    std::string bin = unb64(makeToken(click("https://a.example/x"), kNew));
    for (std::size_t i = 0; i < bin.size(); ++i)
        for (int bit = 0; bit < 8; ++bit) {
            std::string t = bin;
            t[i] = static_cast<char>(t[i] ^ (1 << bit));
            BOOST_CHECK_MESSAGE(!verifyToken(b64(t), {kNew}), "byte " << i << " bit " << bit);
        }
}

BOOST_AUTO_TEST_CASE(changed_url_or_kind_is_refused) {
    std::string bin = unb64(makeToken(click("https://a.example/x"), kNew));
    // Replace the URL's last byte: same length, MAC no longer matches.
    std::string t = bin;
    t[t.size() - 33] = 'y';
    BOOST_CHECK(!verifyToken(b64(t), {kNew}));
    // An open token relabelled as a click (kind is the second byte, inside the MAC).
    TrackingTarget open;
    open.email_id = kId;
    std::string o = unb64(makeToken(open, kNew));
    o[1] = 'c';
    BOOST_CHECK(!verifyToken(b64(o), {kNew}));
}

BOOST_AUTO_TEST_CASE(truncated_extended_and_garbage_are_refused) {
    std::string tok = makeToken(click("https://a.example/"), kNew);
    for (std::size_t n = 0; n < tok.size(); ++n) BOOST_CHECK(!verifyToken(tok.substr(0, n), {kNew}));
    BOOST_CHECK(!verifyToken(tok + "A", {kNew}));
    BOOST_CHECK(!verifyToken(tok + "=", {kNew}));
    BOOST_CHECK(!verifyToken("../../etc/passwd", {kNew}));
    BOOST_CHECK(!verifyToken(std::string(kMaxTokenChars + 4, 'A'), {kNew}));
    std::string withPlus = tok;
    withPlus[5] = '+';  // standard base64 alphabet: refused
    BOOST_CHECK(!verifyToken(withPlus, {kNew}));
}

BOOST_AUTO_TEST_CASE(bad_targets_cannot_be_made) {
    TrackingTarget t;
    t.email_id = "not-a-ulid";
    BOOST_CHECK_THROW(makeToken(t, kNew), std::invalid_argument);
    TrackingTarget lower;
    lower.email_id = "01aryz6s41tsv4rrffq69g5fav";  // only the canonical form
    BOOST_CHECK_THROW(makeToken(lower, kNew), std::invalid_argument);
    BOOST_CHECK_THROW(makeToken(click(""), kNew), std::invalid_argument);
    TrackingTarget openWithUrl;
    openWithUrl.url = "https://x.example/";
    BOOST_CHECK_THROW(makeToken(openWithUrl, kNew), std::invalid_argument);
    BOOST_CHECK_THROW(makeToken(click("https://x/"), SigningKey{"", "s"}), std::invalid_argument);
    BOOST_CHECK_THROW(makeToken(click("https://x/"), SigningKey{"k", ""}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(urls_of_the_endpoints) {
    BOOST_TEST(openUrl("https://t.example", "TOK") == "https://t.example/api/v1/tracking/open/TOK.gif");
    BOOST_TEST(clickUrl("https://t.example", "TOK") == "https://t.example/api/v1/tracking/click/TOK");
    BOOST_TEST(unsubscribeUrl("https://t.example", "TOK") == "https://t.example/api/v1/tracking/unsubscribe/TOK");
}

BOOST_AUTO_TEST_SUITE_END()
