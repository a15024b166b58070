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
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
        dropAndThrow("cannot queue the command");
}

void Redis::dropAndThrow(const char* otherwise) {
    std::string err = ctx_->err ? ctx_->errstr : otherwise;
    bool lost = ctx_->err && lostConnection(ctx_.get());
    ctx_.reset();
    throw RedisError("redis: " + err, lost);
}

void Redis::flush() {
    int done = 0;
    while (!done) {
        if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) dropAndThrow("cannot send");
    }
}

RedisReply Redis::read() {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) dropAndThrow("no reply");
    return RedisReply(static_cast<redisReply*>(raw));
}

RedisReply Redis::command(const std::vector<std::string>& args) {
    return std::move(pipeline({args}).front());
}

std::vector<RedisReply> Redis::pipeline(const std::vector<std::vector<std::string>>& cmds) {
    return pipeline(cmds, nullptr);
}

std::vector<RedisReply> Redis::pipeline(const std::vector<std::vector<std::string>>& cmds,
                                        const std::function<void()>& whileWaiting) {
    bool waited = !whileWaiting;
    auto run = [&] {
        for (const auto& c : cmds) append(c);
        if (!waited) {
            flush();
            waited = true;  // once, even if the replies are lost and the commands sent again
            try {
                whileWaiting();
            } catch (...) {
                ctx_.reset();  // replies unread: the connection is out of step
                throw;
            }
        }
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
    return std::move(evalMany(script, {keysThenArgs}, numKeys).front());
}

std::vector<RedisReply> Redis::evalMany(const char* script, const std::vector<std::vector<std::string>>& calls,
                                        int numKeys) {
    return evalMany(script, calls, numKeys, [] {});
}

std::vector<RedisReply> Redis::evalMany(const char* script, const std::vector<std::vector<std::string>>& calls,
                                        int numKeys, const std::function<void()>& whileWaiting) {
    static std::mutex mu;
    static std::map<const char*, std::string> shas;  // script constant -> SHA1 hex, as the server computed it
    // Empty when the server will not load scripts (SCRIPT refused by an ACL):
    // the calls then carry the whole script (EVAL).
    auto load = [&] {
        RedisReply loaded = command({"SCRIPT", "LOAD", script});
        if (!loaded || loaded->type != REDIS_REPLY_STRING) return std::string();
        std::string sha(loaded->str, loaded->len);
        std::lock_guard<std::mutex> lk(mu);
        return shas[script] = sha;
    };
    std::string sha;
    {
        std::lock_guard<std::mutex> lk(mu);
        if (auto it = shas.find(script); it != shas.end()) sha = it->second;
    }
    if (sha.empty()) sha = load();
    auto run = [&](const std::vector<std::size_t>& which, const std::function<void()>& meanwhile) {
        std::vector<std::vector<std::string>> cmds;
        cmds.reserve(which.size());
        for (std::size_t i : which) {
            std::vector<std::string> cmd{sha.empty() ? "EVAL" : "EVALSHA", sha.empty() ? script : sha,
                                         std::to_string(numKeys)};
            cmd.insert(cmd.end(), calls[i].begin(), calls[i].end());
            cmds.push_back(std::move(cmd));
        }
        return pipeline(cmds, meanwhile);
    };
    std::vector<std::size_t> all(calls.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<RedisReply> out = run(all, whileWaiting);
    // NOSCRIPT: the server lost its script cache (restart, SCRIPT FLUSH) and ran
    // none of those calls: load the script once more and run just them again.
    std::vector<std::size_t> again;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (isError(out[i].get()) && replyString(out[i].get()).rfind("NOSCRIPT", 0) == 0) again.push_back(i);
    if (again.empty()) return out;
    sha = load();
    std::vector<RedisReply> retried = run(again, [] {});
    for (std::size_t k = 0; k < again.size(); ++k) out[again[k]] = std::move(retried[k]);
    return out;
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
