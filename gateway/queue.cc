// Redis Streams / sorted-set operations of the injection queue.
#include "queue.h"

namespace v2v::gw {
namespace {

std::int64_t intReply(const RedisReply& r) {
    if (isError(r.get())) throw RedisError("redis: " + replyString(r.get()));
    return r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
}

void check(const RedisReply& r, const char* what) {
    if (isError(r.get())) throw RedisError(std::string("redis ") + what + ": " + replyString(r.get()));
}

// Runs the commands as one MULTI/EXEC transaction in one round trip: all of
// them or (a command refused when queued, such as OOM) none; Redis's log keeps
// a transaction whole.
void atomically(Redis& r, std::vector<std::vector<std::string>> cmds, const char* what,
                const std::function<void()>& whileWaiting = nullptr) {
    cmds.insert(cmds.begin(), {"MULTI"});
    cmds.push_back({"EXEC"});
    auto replies = r.pipeline(cmds, whileWaiting);
    for (const auto& rep : replies) check(rep, what);  // MULTI, QUEUED..., EXEC (EXECABORT is an error)
    const redisReply* exec = replies.back().get();
    if (!exec || exec->type != REDIS_REPLY_ARRAY)
        throw RedisError(std::string("redis ") + what + ": transaction not run");
    for (std::size_t i = 0; i < exec->elements; ++i)
        if (isError(exec->element[i])) throw RedisError(std::string("redis ") + what + ": " + replyString(exec->element[i]));
}

// Moves up to ARGV[2] members of KEYS[1] with score <= ARGV[1] to stream
// KEYS[2], adding them to the queued set KEYS[3].
const char* kPromoteLua = R"LUA(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'email', id)
  redis.call('SADD', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
end
return #due
)LUA";

}  // namespace

void InjectQueue::ensureGroup() {
    RedisReply r = r_.command({"XGROUP", "CREATE", streamKey(), kGroup, "0", "MKSTREAM"});
    if (isError(r.get()) && replyString(r.get()).find("BUSYGROUP") == std::string::npos)
        throw RedisError("redis XGROUP CREATE: " + replyString(r.get()));
}

void InjectQueue::enqueue(const std::string& emailId) { enqueueMany({{emailId, std::nullopt}}); }

void InjectQueue::enqueueMany(const std::vector<QueueItem>& items) { enqueueMany(items, nullptr); }

void InjectQueue::enqueueMany(const std::vector<QueueItem>& items, const std::function<void()>& whileWaiting) {
    // One transaction: the set never names an entry the stream lacks.
    std::vector<std::vector<std::string>> cmds;
    std::vector<std::string> queued{"SADD", queuedKey()};
    for (const auto& it : items) {
        if (it.send_at) {
            cmds.push_back({"ZADD", scheduledKey(), "LT", std::to_string(*it.send_at), it.email_id});
        } else {
            cmds.push_back({"XADD", streamKey(), "*", "email", it.email_id});
            queued.push_back(it.email_id);
        }
    }
    if (queued.size() > 2) cmds.push_back(std::move(queued));
    if (cmds.empty()) {
        if (whileWaiting) whileWaiting();
        return;
    }
    atomically(r_, std::move(cmds), "XADD/ZADD/SADD", whileWaiting);
}

std::vector<bool> InjectQueue::held(const std::vector<std::string>& emailIds) {
    std::vector<std::vector<std::string>> cmds;
    for (const auto& id : emailIds) {
        cmds.push_back({"ZSCORE", scheduledKey(), id});
        cmds.push_back({"SISMEMBER", queuedKey(), id});
    }
    auto replies = r_.pipeline(cmds);
    std::vector<bool> out;
    for (std::size_t i = 0; i < emailIds.size(); ++i) {
        const redisReply* z = replies[2 * i].get();
        const redisReply* m = replies[2 * i + 1].get();
        if (isError(z) || isError(m)) throw RedisError("redis ZSCORE/SISMEMBER: " + replyString(isError(z) ? z : m));
        out.push_back(z->type == REDIS_REPLY_STRING || (m->type == REDIS_REPLY_INTEGER && m->integer == 1));
    }
    return out;
}

void InjectQueue::schedule(const std::string& emailId, std::int64_t due) {
    check(r_.command({"ZADD", scheduledKey(), "LT", std::to_string(due), emailId}), "ZADD");
}

int InjectQueue::promoteDue(std::int64_t now, int max) {
    return static_cast<int>(
        intReply(r_.eval(kPromoteLua, {scheduledKey(), streamKey(), queuedKey(), std::to_string(now), std::to_string(max)}, 3)));
}

std::vector<QueueEntry> InjectQueue::parseEntries(const redisReply* arr) {
    // arr: [[entry_id, [field, value, ...]], ...]
    std::vector<QueueEntry> out;
    if (!arr || arr->type != REDIS_REPLY_ARRAY) return out;
    for (size_t i = 0; i < arr->elements; ++i) {
        const redisReply* e = arr->element[i];
        if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 2) continue;
        QueueEntry q;
        q.entry_id = replyString(e->element[0]);
        const redisReply* fields = e->element[1];
        if (fields && fields->type == REDIS_REPLY_ARRAY)
            for (size_t k = 0; k + 1 < fields->elements; k += 2)
                if (replyString(fields->element[k]) == "email") q.email_id = replyString(fields->element[k + 1]);
        out.push_back(std::move(q));  // entries whose data was deleted still get acked by the caller
    }
    return out;
}

std::vector<QueueEntry> InjectQueue::read(const std::string& consumer, int count, int blockMs) {
    RedisReply r = r_.command({"XREADGROUP", "GROUP", kGroup, consumer, "COUNT", std::to_string(count), "BLOCK",
                               std::to_string(blockMs), "STREAMS", streamKey(), ">"});
    if (isError(r.get())) {
        if (replyString(r.get()).find("NOGROUP") != std::string::npos) {
            ensureGroup();  // the stream was lost (Redis restarted without data)
            return {};
        }
        throw RedisError("redis XREADGROUP: " + replyString(r.get()));
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return {};
    const redisReply* stream = r->element[0];
    if (!stream || stream->type != REDIS_REPLY_ARRAY || stream->elements < 2) return {};
    return parseEntries(stream->element[1]);
}

std::vector<QueueEntry> InjectQueue::claimStale(const std::string& consumer, int minIdleMs, int count) {
    RedisReply r = r_.command({"XAUTOCLAIM", streamKey(), kGroup, consumer, std::to_string(minIdleMs), "0-0",
                               "COUNT", std::to_string(count)});
    if (isError(r.get())) {
        if (replyString(r.get()).find("NOGROUP") != std::string::npos) return {};
        throw RedisError("redis XAUTOCLAIM: " + replyString(r.get()));
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) return {};
    return parseEntries(r->element[1]);
}

void InjectQueue::ack(const QueueEntry& entry) {
    std::vector<std::vector<std::string>> cmds;
    if (!entry.email_id.empty()) cmds.push_back({"SREM", queuedKey(), entry.email_id});
    cmds.push_back({"XACK", streamKey(), kGroup, entry.entry_id});
    cmds.push_back({"XDEL", streamKey(), entry.entry_id});
    atomically(r_, std::move(cmds), "SREM/XACK/XDEL");
}

void InjectQueue::deadLetter(const std::string& emailId, const std::string& reason) {
    check(r_.command({"XADD", deadKey(), "*", "email", emailId, "reason", reason}), "XADD dead");
}

std::int64_t InjectQueue::streamLength() { return intReply(r_.command({"XLEN", streamKey()})); }
std::int64_t InjectQueue::scheduledCount() { return intReply(r_.command({"ZCARD", scheduledKey()})); }
std::int64_t InjectQueue::deadLetterCount() { return intReply(r_.command({"XLEN", deadKey()})); }
std::int64_t InjectQueue::pendingCount() {
    RedisReply r = r_.command({"XPENDING", streamKey(), kGroup});
    if (isError(r.get()) || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return 0;
    return r->element[0]->type == REDIS_REPLY_INTEGER ? r->element[0]->integer : 0;
}

}  // namespace v2v::gw
