// Rate limit and idempotency for sending routes (see send_policy.h).
#include "send_policy.h"

#include <algorithm>
#include <chrono>

#include "failure.h"
#include "idempotency.h"
#include "ops_metrics.h"
#include "rate_limit.h"
#include "send_committer.h"
#include "send_request.h"
#include "send_service.h"

namespace v2v::gw {

namespace Http = Pistache::Http;

std::pair<int, nlohmann::json> errorResult(const ApiError& e) {
    return {e.status, errorBody(e)};
}

RateCheck rateCheckFor(const Client& c, int cost) {
    return {c.id, c.rate_per_second, c.rate_burst, std::max(1, cost)};
}

void runSendPolicy(App& app, const Request& req, ResponseWriter& w, const AuthContext& auth, int cost,
                   const SendWork& work) {
    const Client& c = auth.client;
    RateCheck check = rateCheckFor(c, cost);
    RateDecision d = takeTokensMany(app.redis(), {check}).front();
    for (const auto& [name, value] : rateHeaders(d)) setHeader(w, name, value);
    if (!d.allowed) {
        metrics::rateLimited();  // issue 7
        return sendError(w, rateLimitedError(check, d));
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

void sendDeferred(App& app, const Request& req, const AuthContext& auth, std::int64_t now) {
    // The request is checked and built here; the committer then takes its
    // token, and only when that is granted commits and queues it. A request
    // that fails here still costs a token, as on the synchronous path.
    struct Pending {
        std::variant<PreparedEmail, ApiError> prepared;
        std::shared_ptr<DeferredAnswer> answer;
    };
    // A client known to be out of tokens is refused before its body is parsed.
    const RateCheck rate = rateCheckFor(auth.client, 1);
    if (auto refused = app.committer().refusals().check(rate, RefusalCache::Clock::now())) {
        metrics::rateLimited();  // issue 7
        auto answer = deferAnswer();
        for (const auto& [name, value] : rateHeaders(*refused)) answer->setHeader(name, value);
        return answer->error(rateLimitedError(rate, *refused));
    }
    auto pending = std::make_shared<Pending>();
    auto parsed = parseSendRequest(req.body(), limitsFor(auth.client), now);
    if (auto* e = std::get_if<ApiError>(&parsed))
        pending->prepared = *e;
    else
        pending->prepared = prepareSend(app, auth, std::get<SendRequest>(parsed));
    CommitJob job;
    job.rate = rate;
    // Pistache answers 408 and closes a connection whose answer has not come
    // within the header timeout: a job not started by half of it is refused
    // rather than committed for a client that may be gone.
    const auto& g = app.config().gateway;
    job.deadline = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(std::min(g.header_timeout_ms, g.body_timeout_ms) / 2);
    if (auto* p = std::get_if<PreparedEmail>(&pending->prepared)) job.emails.push_back(p);
    pending->answer = deferAnswer();
    job.done = [pending](CommitResult&& r) {
        DeferredAnswer& a = *pending->answer;
        if (r.rate)
            for (const auto& [name, value] : rateHeaders(*r.rate)) a.setHeader(name, value);
        if (r.exception) return a.error(apiErrorFor(r.exception));
        if (r.error) {
            if (r.error->status == 503) a.setHeader("Retry-After", "5");
            return a.error(*r.error);
        }
        if (auto* e = std::get_if<ApiError>(&pending->prepared)) return a.error(*e);
        a.json(202, std::get<PreparedEmail>(pending->prepared).body);
    };
    app.committer().submit(std::move(job));
}

}  // namespace v2v::gw
