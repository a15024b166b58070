// Per-client token bucket in Redis, updated atomically by a Lua script that
// uses Redis's own clock (so several gateways share one bucket fairly).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api_error.h"
#include "redis_client.h"

namespace v2v::gw {

struct RateDecision {
    bool allowed = true;
    int limit = 0;               // bucket capacity (burst)
    int remaining = 0;           // whole tokens left after this request
    std::int64_t reset = 0;      // seconds until the bucket is full again
    std::int64_t retry_after = 0;  // seconds until `cost` tokens are available (when refused)
};

// One client's request for `cost` tokens.
struct RateCheck {
    std::string client_id;
    double rate_per_second = 1;
    int burst = 1;
    int cost = 1;
};

// Takes each check's `cost` tokens from its client's bucket if it holds that
// many. Several checks (any clients) in one Redis round trip, in order; one
// decision each.
std::vector<RateDecision> takeTokensMany(Redis& r, const std::vector<RateCheck>& checks);

// The 429 answer for a refused check.
ApiError rateLimitedError(const RateCheck& c, const RateDecision& d);
// The headers of every answer: X-RateLimit-Limit/Remaining/Reset, and Retry-After when refused.
std::vector<std::pair<std::string, std::string>> rateHeaders(const RateDecision& d);

}  // namespace v2v::gw
