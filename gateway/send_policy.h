// Rate limit + Idempotency-Key around the work of a sending route (send, batch).
// Sets X-RateLimit-Limit/Remaining/Reset on every answer, Retry-After on 429.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth.h"
#include "http_util.h"
#include "rate_limit.h"

namespace v2v::gw {

// `work` returns (HTTP status, JSON body) — errors as errorBody-shaped bodies.
using SendWork = std::function<std::pair<int, nlohmann::json>()>;

void runSendPolicy(App& app, const Request& req, ResponseWriter& w, const AuthContext& auth, int cost,
                   const SendWork& work);

// POST /email/send without an Idempotency-Key: parses and builds the email on
// this thread, then defers the answer to the send committer (rate limit,
// commit, queue, all batched with the other requests of the moment). Same
// answers, in the same order of checks, as runSendPolicy + acceptSend.
void sendDeferred(App& app, const Request& req, const AuthContext& auth, std::int64_t now);

// A sending request of `cost` messages by client `c`.
RateCheck rateCheckFor(const Client& c, int cost);

// An ApiError as (status, body) for SendWork.
std::pair<int, nlohmann::json> errorResult(const ApiError& e);

}  // namespace v2v::gw
