// Authentication and token issue (see auth.h).
#include "auth.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "request_ops.h"

namespace v2v::gw {

namespace {
// Clients loaded to authenticate requests are kept for kClientTtl, so a busy
// client costs one database read per second instead of one per request. A
// change made with v2vctl (disabled, scopes, limits, From domains) applies to
// requests within that time.
constexpr std::chrono::milliseconds kClientTtl{1000};

std::optional<Client> cachedClient(Db& db, const std::string& id) {
    struct Entry {
        std::optional<Client> client;
        std::chrono::steady_clock::time_point loaded;
    };
    static std::mutex mu;
    static std::unordered_map<std::string, Entry> cache;  // key: database path NUL client id
    const std::string key = db.path() + '\0' + id;
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard<std::mutex> lk(mu);
        auto it = cache.find(key);
        if (it != cache.end() && now - it->second.loaded < kClientTtl) return it->second.client;
    }
    auto client = loadClient(db, id);
    std::lock_guard<std::mutex> lk(mu);
    if (cache.size() >= 10000) cache.clear();  // ids come from verified tokens: few
    cache[key] = Entry{client, now};
    return client;
}
}  // namespace

bool AuthContext::hasScope(const std::string& s) const {
    // The token's scopes, limited by the client's current scopes.
    bool inToken = std::find(claims.scopes.begin(), claims.scopes.end(), s) != claims.scopes.end() ||
                   std::find(claims.scopes.begin(), claims.scopes.end(), "admin") != claims.scopes.end();
    return inToken && client.hasScope(s);
}

ApiError forbidden(const std::string& scope) {
    return {403, "forbidden", "this token lacks the '" + scope + "' scope", ""};
}

std::variant<AuthContext, ApiError> authenticate(const std::optional<std::string>& authorization, Db& db,
                                                 const JwtConfig& jwt, std::int64_t now) {
    if (!authorization) return ApiError{401, "unauthorized", "missing Authorization: Bearer token", ""};
    const std::string& h = *authorization;
    if (h.size() < 8 || (h.compare(0, 7, "Bearer ") != 0 && h.compare(0, 7, "bearer ") != 0))
        return ApiError{401, "unauthorized", "the Authorization header must be 'Bearer <token>'", ""};
    std::string token = h.substr(7);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    thread_local TokenCache tokens;
    auto v = tokens.verify(jwt, token, now);
    if (auto* err = std::get_if<TokenError>(&v)) return ApiError{401, "unauthorized", tokenErrorText(*err), ""};
    AuthContext ctx;
    ctx.claims = std::get<TokenClaims>(v);
    ops::noteClient(ctx.claims.client_id);  // issue 7: audit log
    auto client = cachedClient(db, ctx.claims.client_id);
    if (!client || client->disabled) return ApiError{401, "unauthorized", "the client is unknown or disabled", ""};
    ctx.client = *client;
    return ctx;
}

std::variant<std::string, ApiError> issueForCredentials(const std::string& clientId, const std::string& secret,
                                                        Db& db, const JwtConfig& jwt, std::int64_t now) {
    ApiError bad{401, "unauthorized", "unknown client or wrong secret", ""};
    if (!validClientId(clientId) || secret.empty() || secret.size() > 1024) return bad;
    ops::noteClient(clientId);  // issue 7: audit log
    auto hash = loadSecretHash(db, clientId);
    if (!hash) {
        // Spend the same time as a real check so ids cannot be probed by timing.
        static const std::string dummy = hashSecret("timing-equaliser");
        verifySecret(dummy, secret);
        return bad;
    }
    if (!verifySecret(*hash, secret)) return bad;
    auto client = loadClient(db, clientId);
    if (!client || client->disabled) return bad;
    return issueToken(jwt, client->id, client->scopes, now);
}

}  // namespace v2v::gw
