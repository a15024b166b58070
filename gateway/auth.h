// Request authentication: "Authorization: Bearer <JWT>" → the client, with its
// current record (a disabled client is refused at once, not at token expiry).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "api_error.h"
#include "clients.h"
#include "db.h"
#include "jwt_auth.h"

namespace v2v::gw {

struct AuthContext {
    Client client;
    TokenClaims claims;
    bool hasScope(const std::string& s) const;
};

// Verifies the Bearer token and loads its client. Clients are cached for one
// second: a client disabled or changed with v2vctl is seen within that time.
std::variant<AuthContext, ApiError> authenticate(const std::optional<std::string>& authorization, Db& db,
                                                 const JwtConfig& jwt, std::int64_t now);

// POST /auth/token credentials: JSON {client_id, client_secret} or HTTP Basic.
std::variant<std::string, ApiError> issueForCredentials(const std::string& clientId, const std::string& secret,
                                                        Db& db, const JwtConfig& jwt, std::int64_t now);

ApiError forbidden(const std::string& scope);

}  // namespace v2v::gw
