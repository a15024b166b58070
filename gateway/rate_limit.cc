// Token bucket (see rate_limit.h).
#include "rate_limit.h"

#include <algorithm>
#include <cmath>

namespace v2v::gw {
namespace {

// KEYS[1] bucket; ARGV rate/s, burst, then one cost per request, taken in
// order (a refused request takes nothing). Returns {allowed, tokens_left*1000}
// per request, flattened.
const char* kBucketLua = R"LUA(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then tokens = burst; ts = now end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local out = {}
for i = 3, #ARGV do
  local cost = tonumber(ARGV[i])
  local allowed = 0
  if tokens >= cost then tokens = tokens - cost; allowed = 1 end
  out[#out + 1] = allowed
  out[#out + 1] = math.floor(tokens * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return out
)LUA";

}  // namespace

RateDecision decisionFor(const RateCheck& c, bool allowed, double tokens) {
    RateDecision d;
    d.allowed = allowed;
    d.tokens = tokens;
    d.limit = c.burst;
    d.remaining = static_cast<int>(std::floor(tokens));
    d.reset = static_cast<std::int64_t>(std::ceil((c.burst - tokens) / c.rate_per_second));
    if (!allowed)
        d.retry_after = std::max<std::int64_t>(
            1, static_cast<std::int64_t>(std::ceil((std::max(1, c.cost) - tokens) / c.rate_per_second)));
    return d;
}

std::vector<std::vector<std::size_t>> bucketCalls(const std::vector<RateCheck>& checks) {
    std::vector<std::vector<std::size_t>> calls;
    std::unordered_map<std::string, std::size_t> lastCall;  // client -> its latest call
    for (std::size_t i = 0; i < checks.size(); ++i) {
        const RateCheck& c = checks[i];
        auto it = lastCall.find(c.client_id);
        if (it == lastCall.end() || checks[calls[it->second].front()].rate_per_second != c.rate_per_second ||
            checks[calls[it->second].front()].burst != c.burst) {
            calls.emplace_back();
            it = lastCall.insert_or_assign(c.client_id, calls.size() - 1).first;
        }
        calls[it->second].push_back(i);
    }
    return calls;
}

std::vector<RateDecision> takeTokensMany(Redis& r, const std::vector<RateCheck>& checks) {
    return takeTokensMany(r, checks, [] {});
}

std::vector<RateDecision> takeTokensMany(Redis& r, const std::vector<RateCheck>& checks,
                                         const std::function<void()>& whileWaiting) {
    const std::vector<std::vector<std::size_t>> members = bucketCalls(checks);
    std::vector<std::vector<std::string>> calls;
    calls.reserve(members.size());
    for (const auto& m : members) {
        const RateCheck& c = checks[m.front()];
        calls.push_back({r.key("rate:" + c.client_id), std::to_string(c.rate_per_second), std::to_string(c.burst)});
        for (std::size_t i : m) calls.back().push_back(std::to_string(checks[i].cost));
    }
    std::vector<RedisReply> replies = r.evalMany(kBucketLua, calls, 1, whileWaiting);
    std::vector<RateDecision> out(checks.size());
    for (std::size_t k = 0; k < calls.size(); ++k) {
        const redisReply* rep = replies[k].get();
        const std::vector<std::size_t>& m = members[k];
        if (isError(rep) || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 * m.size())
            throw RedisError("redis rate limit: " + replyString(rep));
        for (std::size_t i = 0; i < rep->elements; ++i)
            if (rep->element[i]->type != REDIS_REPLY_INTEGER) throw RedisError("redis rate limit: " + replyString(rep));
        for (std::size_t j = 0; j < m.size(); ++j)
            out[m[j]] = decisionFor(checks[m[j]], rep->element[2 * j]->integer == 1,
                                    static_cast<double>(rep->element[2 * j + 1]->integer) / 1000.0);
    }
    return out;
}

void RefusalCache::refused(const RateCheck& c, const RateDecision& d, Clock::time_point now) {
    if (d.allowed || c.cost != 1 || c.rate_per_second <= 0 || d.tokens >= 1) return;
    auto wait = std::chrono::duration<double>((1 - d.tokens) / c.rate_per_second);
    auto until = now + std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(wait), kMaxWindow);
    std::lock_guard<std::mutex> lk(mu_);
    if (byClient_.size() >= 10000)  // ids come from verified tokens: few; drop the expired
        for (auto it = byClient_.begin(); it != byClient_.end();) it = it->second.until <= now ? byClient_.erase(it) : std::next(it);
    byClient_[c.client_id] = Entry{now, until, d.tokens, c.rate_per_second, c.burst};
}

std::optional<RateDecision> RefusalCache::check(const RateCheck& c, Clock::time_point now) const {
    if (c.cost != 1) return std::nullopt;
    std::lock_guard<std::mutex> lk(mu_);
    auto it = byClient_.find(c.client_id);
    if (it == byClient_.end()) return std::nullopt;
    const Entry& e = it->second;
    if (now >= e.until || e.rate != c.rate_per_second || e.burst != c.burst) return std::nullopt;
    return decisionFor(c, false, std::min<double>(c.burst, e.tokens + std::chrono::duration<double>(now - e.at).count() *
                                                                      c.rate_per_second));
}

ApiError rateLimitedError(const RateCheck& c, const RateDecision& d) {
    return {429, "rate_limited",
            "rate limit of " + std::to_string(c.rate_per_second) + "/s (burst " + std::to_string(c.burst) +
                ") exceeded; retry after " + std::to_string(d.retry_after) + " s",
            ""};
}

std::vector<std::pair<std::string, std::string>> rateHeaders(const RateDecision& d) {
    std::vector<std::pair<std::string, std::string>> h{{"X-RateLimit-Limit", std::to_string(d.limit)},
                                                       {"X-RateLimit-Remaining", std::to_string(d.remaining)},
                                                       {"X-RateLimit-Reset", std::to_string(d.reset)}};
    if (!d.allowed) h.emplace_back("Retry-After", std::to_string(d.retry_after));
    return h;
}

}  // namespace v2v::gw
