// Rate limit + Idempotency-Key around the work of a sending route (send, batch).
// Sets X-RateLimit-Limit/Remaining/Reset on every answer, Retry-After on 429.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth.h"
#include "http_util.h"

namespace v2v::gw {

// `work` returns (HTTP status, JSON body) — errors as errorJson-shaped bodies.
using SendWork = std::function<std::pair<int, nlohmann::json>()>;

void runSendPolicy(App& app, const Request& req, ResponseWriter& w, const AuthContext& auth, int cost,
                   const SendWork& work);

// An ApiError as (status, body) for SendWork.
std::pair<int, nlohmann::json> errorResult(const ApiError& e);

}  // namespace v2v::gw
