// Rate limit and idempotency for sending routes (see send_policy.h).
#include "send_policy.h"

#include "idempotency.h"
#include "ops_metrics.h"
#include "rate_limit.h"

namespace v2v::gw {

namespace Http = Pistache::Http;

std::pair<int, nlohmann::json> errorResult(const ApiError& e) {
    return {e.status, errorBody(e)};
}

void runSendPolicy(App& app, const Request& req, ResponseWriter& w, const AuthContext& auth, int cost,
                   const SendWork& work) {
    const Client& c = auth.client;
    RateDecision d = takeTokens(app.redis(), c.id, c.rate_per_second, c.rate_burst, std::max(1, cost));
    setHeader(w, "X-RateLimit-Limit", std::to_string(d.limit));
    setHeader(w, "X-RateLimit-Remaining", std::to_string(d.remaining));
    setHeader(w, "X-RateLimit-Reset", std::to_string(d.reset));
    if (!d.allowed) {
        metrics::rateLimited();  // issue 7
        setHeader(w, "Retry-After", std::to_string(d.retry_after));
        return sendError(w, {429, "rate_limited",
                             "rate limit of " + std::to_string(c.rate_per_second) + "/s (burst " +
                                 std::to_string(c.rate_burst) + ") exceeded; retry after " +
                                 std::to_string(d.retry_after) + " s",
                             ""});
    }
    auto key = header(req, "Idempotency-Key");
    if (!key) {
        auto [status, body] = work();
        return sendJson(w, status, body);
    }
    if (!Idempotency::validKey(*key))
        return sendError(w, {400, "malformed", "Idempotency-Key must be 1..255 printable ASCII characters",
                             "Idempotency-Key"});
    Idempotency idem(app.redis(), c.id, *key, req.body());
    switch (idem.begin()) {
        case Idempotency::State::replay: {
            setHeader(w, "Idempotent-Replayed", "true");
            auto body = nlohmann::json::parse(idem.replayed().body, nullptr, false);
            return sendJson(w, idem.replayed().status, body);
        }
        case Idempotency::State::conflict_body:
            return sendError(w, {409, "idempotency_conflict",
                                 "this Idempotency-Key was used with a different request body", "Idempotency-Key"});
        case Idempotency::State::in_progress:
            return sendError(w, {409, "idempotency_in_progress",
                                 "a request with this Idempotency-Key is still being processed", "Idempotency-Key"});
        case Idempotency::State::fresh:
            break;
    }
    std::pair<int, nlohmann::json> result;
    try {
        result = work();
    } catch (...) {
        try {
            idem.finish(500, "");
        } catch (...) {
        }
        throw;
    }
    idem.finish(result.first, result.second.dump());
    sendJson(w, result.first, result.second);
}

}  // namespace v2v::gw
