// JWT issue/verify with libjwt (1.10: no key callback, so the header is read
// first to pin alg=HS256 and pick the key by kid).
#include "jwt_auth.h"

#include <jwt.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "base64.h"
#include "clients.h"

namespace v2v::gw {
namespace {

struct JwtFree {
    void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
struct CharFree {
    void operator()(char* p) const { free(p); }
};

const SigningKey* findKey(const JwtConfig& cfg, const std::string& kid) {
    for (const auto& k : cfg.keys)
        if (k.id == kid) return &k;
    return nullptr;
}

// exp and nbf, with `leeway` seconds either way.
std::optional<TokenError> timeError(const TokenClaims& c, std::int64_t now, int leeway) {
    if (now > c.expires_at + leeway) return TokenError::expired;
    if (now + leeway < c.not_before) return TokenError::not_yet_valid;
    return std::nullopt;
}

}  // namespace

const char* tokenErrorText(TokenError e) {
    switch (e) {
        case TokenError::malformed: return "malformed token";
        case TokenError::bad_algorithm: return "token algorithm not accepted";
        case TokenError::unknown_key: return "token signed with an unknown key";
        case TokenError::bad_signature: return "token signature is invalid";
        case TokenError::expired: return "token has expired";
        case TokenError::not_yet_valid: return "token is not valid yet";
        case TokenError::wrong_issuer: return "token issuer not accepted";
    }
    return "invalid token";
}

std::string issueToken(const JwtConfig& cfg, const std::string& clientId,
                       const std::vector<std::string>& scopes, std::int64_t now) {
    if (cfg.keys.empty()) throw std::runtime_error("gateway.jwt.keys is empty: cannot issue tokens");
    const SigningKey& key = cfg.keys.front();
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
    JwtPtr j(raw);
    jwt_add_header(j.get(), "kid", key.id.c_str());
    jwt_add_grant(j.get(), "iss", cfg.issuer.c_str());
    jwt_add_grant(j.get(), "sub", clientId.c_str());
    jwt_add_grant(j.get(), "scope", joinWords(scopes).c_str());
    jwt_add_grant_int(j.get(), "iat", static_cast<long>(now));
    jwt_add_grant_int(j.get(), "nbf", static_cast<long>(now));
    jwt_add_grant_int(j.get(), "exp", static_cast<long>(now + cfg.ttl_seconds));
    if (jwt_set_alg(j.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key.secret.data()),
                    static_cast<int>(key.secret.size())) != 0)
        throw std::runtime_error("jwt_set_alg failed");
    std::unique_ptr<char, CharFree> out(jwt_encode_str(j.get()));
    if (!out) throw std::runtime_error("jwt_encode_str failed");
    return out.get();
}

std::variant<TokenClaims, TokenError> verifyToken(const JwtConfig& cfg, const std::string& token,
                                                  std::int64_t now, int leeway) {
    if (token.empty() || token.size() > 4096) return TokenError::malformed;
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos ||
        dot2 + 1 == token.size())
        return TokenError::malformed;  // also refuses "alg":"none" tokens with an empty signature
    auto headerText = base64Decode(std::string_view(token).substr(0, dot1), Base64::url);
    if (!headerText) return TokenError::malformed;
    auto header = nlohmann::json::parse(*headerText, nullptr, false);
    if (!header.is_object()) return TokenError::malformed;
    if (!header.contains("alg") || header["alg"] != "HS256") return TokenError::bad_algorithm;
    if (!header.contains("kid") || !header["kid"].is_string()) return TokenError::unknown_key;
    const SigningKey* key = findKey(cfg, header["kid"].get<std::string>());
    if (!key) return TokenError::unknown_key;

    jwt_t* raw = nullptr;
    int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key->secret.data()),
                        static_cast<int>(key->secret.size()));
    JwtPtr j(raw);
    if (rc != 0 || !j) return TokenError::bad_signature;
    if (jwt_get_alg(j.get()) != JWT_ALG_HS256) return TokenError::bad_algorithm;

    const char* iss = jwt_get_grant(j.get(), "iss");
    if (!iss || cfg.issuer != iss) return TokenError::wrong_issuer;
    const char* sub = jwt_get_grant(j.get(), "sub");
    if (!sub || !validClientId(sub)) return TokenError::malformed;
    errno = 0;
    long exp = jwt_get_grant_int(j.get(), "exp");
    if (errno != 0) return TokenError::malformed;
    errno = 0;
    long nbf = jwt_get_grant_int(j.get(), "nbf");
    if (errno != 0) nbf = 0;
    errno = 0;
    long iat = jwt_get_grant_int(j.get(), "iat");
    if (errno != 0) iat = 0;
    TokenClaims c;
    c.client_id = sub;
    const char* scope = jwt_get_grant(j.get(), "scope");
    if (scope) c.scopes = splitWords(scope);
    c.issued_at = iat;
    c.expires_at = exp;
    c.not_before = nbf;
    c.kid = key->id;
    if (auto e = timeError(c, now, leeway)) return *e;
    return c;
}

std::variant<TokenClaims, TokenError> TokenCache::verify(const JwtConfig& cfg, const std::string& token,
                                                         std::int64_t now, int leeway) {
    if (cfg_ != &cfg) {
        verified_.clear();
        cfg_ = &cfg;
    }
    auto it = verified_.find(token);
    if (it != verified_.end()) {
        if (auto e = timeError(it->second, now, leeway)) return *e;
        return it->second;
    }
    auto v = verifyToken(cfg, token, now, leeway);
    if (auto* c = std::get_if<TokenClaims>(&v)) {
        if (verified_.size() >= kMaxTokens) verified_.clear();
        verified_.emplace(token, *c);
    }
    return v;
}

}  // namespace v2v::gw
