// Per-client token bucket in Redis, updated atomically by a Lua script that
// uses Redis's own clock (so several gateways share one bucket fairly).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
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
    double tokens = 0;             // tokens left after this request (fractional)
};

// One client's request for `cost` tokens.
struct RateCheck {
    std::string client_id;
    double rate_per_second = 1;
    int burst = 1;
    int cost = 1;
};

// The decision and header values for a check, given whether it was allowed and
// the tokens left in its bucket.
RateDecision decisionFor(const RateCheck& c, bool allowed, double tokens);

// Takes each check's `cost` tokens from its client's bucket if it holds that
// many. Several checks (any clients) in one Redis round trip, in order; one
// decision each. The checks of one bucket go in one script call (one bucket
// read and write however many requests it answers; see bucketCalls).
std::vector<RateDecision> takeTokensMany(Redis& r, const std::vector<RateCheck>& checks);
// The same, running `whileWaiting` once while Redis works (see Redis::pipeline).
std::vector<RateDecision> takeTokensMany(Redis& r, const std::vector<RateCheck>& checks,
                                         const std::function<void()>& whileWaiting);

// How takeTokensMany groups checks into script calls (indices into `checks`,
// in order): one call per client and run of its checks with the same rate and
// burst. A limit changed mid-batch starts a new call, so each client's checks
// are still decided in their order (the calls run in order).
std::vector<std::vector<std::size_t>> bucketCalls(const std::vector<RateCheck>& checks);

// Per client, until when its bucket cannot hold one token: a send in that
// window is refused on the HTTP thread, before its body is parsed or Redis is
// asked (the bucket only refills with time, so Redis would refuse it too). A
// window is at most kMaxWindow, so a raised limit applies within it; one
// recorded for another rate or burst is ignored.
class RefusalCache {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kMaxWindow{1000};
    // Records a refused one-token check (others are ignored).
    void refused(const RateCheck& c, const RateDecision& d, Clock::time_point now);
    // The refusal a one-token check gets at `now`, if within a window.
    std::optional<RateDecision> check(const RateCheck& c, Clock::time_point now) const;

private:
    struct Entry {
        Clock::time_point at, until;
        double tokens, rate;
        int burst;
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> byClient_;
};

// The 429 answer for a refused check.
ApiError rateLimitedError(const RateCheck& c, const RateDecision& d);
// The headers of every answer: X-RateLimit-Limit/Remaining/Reset, and Retry-After when refused.
std::vector<std::pair<std::string, std::string>> rateHeaders(const RateDecision& d);

}  // namespace v2v::gw
