// Token bucket (see rate_limit.h).
#include "rate_limit.h"

#include <cmath>

namespace v2v::gw {
namespace {

// KEYS[1] bucket; ARGV rate/s, burst, cost. Returns {allowed, tokens_left*1000}.
const char* kBucketLua = R"LUA(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then tokens = burst; ts = now end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, math.floor(tokens * 1000)}
)LUA";

}  // namespace

RateDecision takeTokens(Redis& r, const std::string& clientId, double rate, int burst, int cost) {
    RedisReply rep = r.eval(kBucketLua, {r.key("rate:" + clientId), std::to_string(rate), std::to_string(burst),
                                         std::to_string(cost)},
                            1);
    if (isError(rep.get()) || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
        throw RedisError("redis rate limit: " + replyString(rep.get()));
    RateDecision d;
    d.allowed = rep->element[0]->integer == 1;
    double tokens = static_cast<double>(rep->element[1]->integer) / 1000.0;
    d.limit = burst;
    d.remaining = static_cast<int>(std::floor(tokens));
    d.reset = static_cast<std::int64_t>(std::ceil((burst - tokens) / rate));
    if (!d.allowed) d.retry_after = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((cost - tokens) / rate)));
    return d;
}

}  // namespace v2v::gw
