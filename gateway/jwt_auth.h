// Access tokens: HS256 JWTs issued by POST /auth/token and verified on every
// API request. Verification pins the algorithm before touching the signature,
// selects the key by `kid` (rotation: all configured keys verify, the first
// signs), and checks iss, exp and nbf. Pure: time is a parameter.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config.h"

namespace v2v::gw {

struct TokenClaims {
    std::string client_id;            // sub
    std::vector<std::string> scopes;  // scope (space separated)
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t not_before = 0;  // nbf (0 when absent)
    std::string kid;
};

enum class TokenError { malformed, bad_algorithm, unknown_key, bad_signature, expired, not_yet_valid, wrong_issuer };
const char* tokenErrorText(TokenError e);

// Throws std::runtime_error when no key is configured.
std::string issueToken(const JwtConfig& cfg, const std::string& clientId,
                       const std::vector<std::string>& scopes, std::int64_t now);

std::variant<TokenClaims, TokenError> verifyToken(const JwtConfig& cfg, const std::string& token,
                                                  std::int64_t now, int leewaySeconds = 30);

// verifyToken() with a memory of the tokens that verified: a client's next
// request with the same token skips the signature, the base64 and the JSON
// (about 7 us of each API request) but not the time checks (exp, nbf), made
// again at every use. Keyed by the whole token and the configuration it was
// verified with, so one changed byte, or another key set, is verified afresh.
// One per thread; forgets everything when full.
class TokenCache {
public:
    std::variant<TokenClaims, TokenError> verify(const JwtConfig& cfg, const std::string& token, std::int64_t now,
                                                 int leewaySeconds = 30);
    static constexpr std::size_t kMaxTokens = 256;

private:
    const JwtConfig* cfg_ = nullptr;
    std::unordered_map<std::string, TokenClaims> verified_;
};

}  // namespace v2v::gw
