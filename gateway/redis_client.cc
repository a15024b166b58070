// Redis connection handling.
#include "redis_client.h"

#include <sys/time.h>

#include <cerrno>
#include <map>
#include <mutex>

namespace v2v::gw {

namespace {
// What hiredis reports when the peer closed or reset the connection.
bool lostConnection(const redisContext* c) {
    return c->err == REDIS_ERR_EOF || (c->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
}
}  // namespace

void Redis::connect() {
    struct timeval tv;
    tv.tv_sec = cfg_.timeout_ms / 1000;
    tv.tv_usec = (cfg_.timeout_ms % 1000) * 1000;
    redisContext* c = cfg_.port == 0 ? redisConnectUnixWithTimeout(cfg_.host.c_str(), tv)
                                     : redisConnectWithTimeout(cfg_.host.c_str(), cfg_.port, tv);
    if (!c) throw RedisError("redis: out of memory");
    std::unique_ptr<redisContext, Free> guard(c);
    if (c->err) throw RedisError(std::string("redis ") + cfg_.host + ":" + std::to_string(cfg_.port) + ": " + c->errstr);
    redisSetTimeout(c, tv);
    ctx_ = std::move(guard);
    if (!cfg_.password.empty()) {
        RedisReply r = command({"AUTH", cfg_.password});
        if (isError(r.get())) {
            ctx_.reset();
            throw RedisError("redis: AUTH refused");  // never the password itself
        }
    }
    if (cfg_.db != 0) {
        RedisReply r = command({"SELECT", std::to_string(cfg_.db)});
        if (isError(r.get())) {
            ctx_.reset();
            throw RedisError("redis: SELECT " + std::to_string(cfg_.db) + " refused");
        }
    }
}

void Redis::append(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
        std::string err = ctx_->errstr;
        bool lost = lostConnection(ctx_.get());
        ctx_.reset();
        throw RedisError("redis: " + err, lost);
    }
}

RedisReply Redis::read() {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) {
        std::string err = ctx_->err ? ctx_->errstr : "no reply";
        bool lost = ctx_->err && lostConnection(ctx_.get());
        ctx_.reset();
        throw RedisError("redis: " + err, lost);
    }
    return RedisReply(static_cast<redisReply*>(raw));
}

RedisReply Redis::command(const std::vector<std::string>& args) {
    return std::move(pipeline({args}).front());
}

std::vector<RedisReply> Redis::pipeline(const std::vector<std::vector<std::string>>& cmds) {
    auto run = [&] {
        for (const auto& c : cmds) append(c);
        std::vector<RedisReply> out;
        for (std::size_t i = 0; i < cmds.size(); ++i) out.push_back(read());
        return out;
    };
    const bool kept = ctx_ != nullptr;
    if (!kept) connect();
    try {
        return run();
    } catch (const RedisError& e) {
        // A kept connection found closed: the server restarted since the last
        // command (and did not run these). Once more on a new connection.
        if (!kept || !e.connectionLost()) throw;
        connect();
        return run();
    }
}

RedisReply Redis::eval(const char* script, const std::vector<std::string>& keysThenArgs, int numKeys) {
    static std::mutex mu;
    static std::map<const char*, std::string> shas;  // script constant -> SHA1 hex, as the server computed it
    std::string sha;
    {
        std::lock_guard<std::mutex> lk(mu);
        if (auto it = shas.find(script); it != shas.end()) sha = it->second;
    }
    auto withArgs = [&](const char* verb, const std::string& body) {
        std::vector<std::string> cmd{verb, body, std::to_string(numKeys)};
        cmd.insert(cmd.end(), keysThenArgs.begin(), keysThenArgs.end());
        return cmd;
    };
    if (!sha.empty()) {
        RedisReply r = command(withArgs("EVALSHA", sha));
        if (!(isError(r.get()) && replyString(r.get()).rfind("NOSCRIPT", 0) == 0)) return r;
    }
    // Unknown here or to the server: EVAL caches it there; SCRIPT LOAD tells us its name.
    RedisReply r = command(withArgs("EVAL", script));
    if (sha.empty()) {
        RedisReply loaded = command({"SCRIPT", "LOAD", script});
        if (loaded && loaded->type == REDIS_REPLY_STRING) {
            std::lock_guard<std::mutex> lk(mu);
            shas[script] = std::string(loaded->str, loaded->len);
        }
    }
    return r;
}

bool Redis::ping() {
    try {
        RedisReply r = command({"PING"});
        return r && r->type == REDIS_REPLY_STATUS;
    } catch (const RedisError&) {
        return false;
    }
}

bool isError(const redisReply* r) { return !r || r->type == REDIS_REPLY_ERROR; }

std::string replyString(const redisReply* r) {
    if (!r) return "";
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
        return std::string(r->str, r->len);
    if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
    return "";
}

}  // namespace v2v::gw
