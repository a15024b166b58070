// JWT issue/verify: algorithm pinning, alg=none, tampering, expiry, kid rotation.
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <ostream>

#include "jwt_auth.h"

using namespace v2v;
using namespace v2v::gw;

namespace v2v::gw {
std::ostream& operator<<(std::ostream& o, TokenError e) { return o << tokenErrorText(e); }
}  // namespace v2v::gw

namespace {
JwtConfig cfg() {
    JwtConfig c;
    c.issuer = "v2v-gateway";
    c.ttl_seconds = 900;
    c.keys = {{"k2", std::string(40, 'b')}, {"k1", std::string(40, 'a')}};
    return c;
}
std::string b64url(const std::string& s) {
    std::string out(sodium_base64_encoded_len(s.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}
TokenError errorOf(const std::variant<TokenClaims, TokenError>& v) {
    BOOST_REQUIRE(std::holds_alternative<TokenError>(v));
    return std::get<TokenError>(v);
}
const std::int64_t kNow = 1800000000;
}  // namespace

BOOST_AUTO_TEST_CASE(round_trip) {
    std::string t = issueToken(cfg(), "demo", {"send", "read"}, kNow);
    auto v = verifyToken(cfg(), t, kNow + 10);
    BOOST_REQUIRE(std::holds_alternative<TokenClaims>(v));
    const auto& c = std::get<TokenClaims>(v);
    BOOST_TEST(c.client_id == "demo");
    BOOST_TEST(c.kid == "k2");
    BOOST_TEST(c.expires_at == kNow + 900);
    BOOST_TEST(c.scopes.size() == 2u);
}

BOOST_AUTO_TEST_CASE(rotation_old_key_still_verifies_unknown_kid_does_not) {
    JwtConfig old = cfg();
    old.keys = {{"k1", std::string(40, 'a')}};
    std::string t = issueToken(old, "demo", {"send"}, kNow);
    BOOST_TEST(std::holds_alternative<TokenClaims>(verifyToken(cfg(), t, kNow)));
    JwtConfig rotated = cfg();
    rotated.keys = {{"k3", std::string(40, 'c')}};
    BOOST_TEST(errorOf(verifyToken(rotated, t, kNow)) == TokenError::unknown_key);
}

BOOST_AUTO_TEST_CASE(expired_and_not_yet_valid) {
    std::string t = issueToken(cfg(), "demo", {"send"}, kNow);
    BOOST_TEST(errorOf(verifyToken(cfg(), t, kNow + 900 + 31)) == TokenError::expired);
    BOOST_TEST(errorOf(verifyToken(cfg(), t, kNow - 31)) == TokenError::not_yet_valid);
}

BOOST_AUTO_TEST_CASE(flipped_signature_and_payload) {
    std::string t = issueToken(cfg(), "demo", {"send"}, kNow);
    std::string flipped = t;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    BOOST_TEST(errorOf(verifyToken(cfg(), flipped, kNow)) == TokenError::bad_signature);
    // swap in a payload claiming another client, keep the signature
    auto d1 = t.find('.'), d2 = t.find('.', d1 + 1);
    std::string payload = b64url(R"({"iss":"v2v-gateway","sub":"admin","scope":"admin","exp":1900000000})");
    std::string forged = t.substr(0, d1 + 1) + payload + t.substr(d2);
    BOOST_TEST(errorOf(verifyToken(cfg(), forged, kNow)) == TokenError::bad_signature);
}

BOOST_AUTO_TEST_CASE(alg_none_and_confusion_refused) {
    std::string payload = b64url(R"({"iss":"v2v-gateway","sub":"demo","scope":"admin","exp":1900000000})");
    std::string none = b64url(R"({"alg":"none","typ":"JWT","kid":"k1"})") + "." + payload + ".";
    BOOST_TEST(errorOf(verifyToken(cfg(), none, kNow)) == TokenError::malformed);
    std::string noneSig = b64url(R"({"alg":"none","typ":"JWT","kid":"k1"})") + "." + payload + ".xyz";
    BOOST_TEST(errorOf(verifyToken(cfg(), noneSig, kNow)) == TokenError::bad_algorithm);
    std::string rs = b64url(R"({"alg":"RS256","typ":"JWT","kid":"k1"})") + "." + payload + ".xyz";
    BOOST_TEST(errorOf(verifyToken(cfg(), rs, kNow)) == TokenError::bad_algorithm);
    std::string hs512 = b64url(R"({"alg":"HS512","kid":"k1"})") + "." + payload + ".xyz";
    BOOST_TEST(errorOf(verifyToken(cfg(), hs512, kNow)) == TokenError::bad_algorithm);
}

BOOST_AUTO_TEST_CASE(garbage_tokens) {
    for (const char* t : {"", "abc", "a.b", "a.b.c.d", "!!!.???.###", "eyJ.eyJ.sig"})
        BOOST_TEST(errorOf(verifyToken(cfg(), t, kNow)) == TokenError::malformed, t);
    BOOST_TEST(errorOf(verifyToken(cfg(), std::string(5000, 'a'), kNow)) == TokenError::malformed);
}

BOOST_AUTO_TEST_CASE(wrong_issuer) {
    JwtConfig other = cfg();
    other.issuer = "someone-else";
    std::string t = issueToken(other, "demo", {"send"}, kNow);
    BOOST_TEST(errorOf(verifyToken(cfg(), t, kNow)) == TokenError::wrong_issuer);
}

// The cache answers a token it verified, re-checking exp and nbf each time;
// a changed byte or another key set is verified afresh.
BOOST_AUTO_TEST_CASE(token_cache_rechecks_times_and_verifies_changed_tokens) {
    const JwtConfig c = cfg();
    TokenCache cache;
    std::string t = issueToken(c, "demo", {"send"}, kNow);
    auto v = cache.verify(c, t, kNow + 10);
    BOOST_REQUIRE(std::holds_alternative<TokenClaims>(v));
    BOOST_TEST(std::get<TokenClaims>(v).client_id == "demo");
    auto again = cache.verify(c, t, kNow + 20);  // from the cache
    BOOST_REQUIRE(std::holds_alternative<TokenClaims>(again));
    BOOST_TEST(std::get<TokenClaims>(again).scopes == std::vector<std::string>{"send"});
    BOOST_TEST(errorOf(cache.verify(c, t, kNow + 900 + 31)) == TokenError::expired);
    BOOST_TEST(errorOf(cache.verify(c, t, kNow - 31)) == TokenError::not_yet_valid);

    std::string flipped = t;  // a signature character that carries no padding bits
    char& ch = flipped[flipped.size() - 10];
    ch = ch == 'A' ? 'B' : 'A';
    BOOST_TEST(errorOf(cache.verify(c, flipped, kNow)) == TokenError::bad_signature);

    JwtConfig rotated = cfg();  // k2 (which signed t) retired
    rotated.keys.erase(rotated.keys.begin());
    BOOST_TEST(errorOf(cache.verify(rotated, t, kNow)) == TokenError::unknown_key);
}
