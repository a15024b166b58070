// Per-client token bucket in Redis, updated atomically by a Lua script that
// uses Redis's own clock (so several gateways share one bucket fairly).
#pragma once

#include <cstdint>
#include <string>

#include "redis_client.h"

namespace v2v::gw {

struct RateDecision {
    bool allowed = true;
    int limit = 0;               // bucket capacity (burst)
    int remaining = 0;           // whole tokens left after this request
    std::int64_t reset = 0;      // seconds until the bucket is full again
    std::int64_t retry_after = 0;  // seconds until `cost` tokens are available (when refused)
};

// Takes `cost` tokens from the client's bucket if it holds that many.
RateDecision takeTokens(Redis& r, const std::string& clientId, double ratePerSecond, int burst, int cost);

}  // namespace v2v::gw
