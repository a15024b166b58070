// Synchronous Redis connection (hiredis 0.14) with RAII and reconnect-on-next-use.
// One per thread: not thread-safe. Any transport error throws RedisError and
// drops the connection so the next command reconnects. A kept connection that
// the server closed meanwhile (Redis restarted) is replaced once, at once.
#pragma once

#include <hiredis/hiredis.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace v2v::gw {

class RedisError : public std::runtime_error {
public:
    explicit RedisError(const std::string& what, bool connectionLost = false)
        : std::runtime_error(what), connectionLost_(connectionLost) {}
    // The server closed or reset the connection (not a timeout, not a reply).
    bool connectionLost() const { return connectionLost_; }

private:
    bool connectionLost_;
};

struct ReplyFree {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyFree>;

class Redis {
public:
    explicit Redis(RedisConfig cfg) : cfg_(std::move(cfg)) {}

    // Binary-safe command. A Redis error reply ("-ERR ...") is returned, not thrown.
    RedisReply command(const std::vector<std::string>& args);
    // Several commands in one round trip; returns one reply each.
    std::vector<RedisReply> pipeline(const std::vector<std::vector<std::string>>& cmds);
    // The same, and runs `whileWaiting` once, after the commands are sent and
    // before their replies are read, so its work overlaps the round trip. If
    // it throws, the connection is dropped (the replies are never read) and
    // the exception passes on; the commands may still have run.
    std::vector<RedisReply> pipeline(const std::vector<std::vector<std::string>>& cmds,
                                     const std::function<void()>& whileWaiting);
    bool ping();
    // Runs a Lua script by its SHA1 (EVALSHA): the script text is sent only
    // when the server does not have it yet (first use, after a restart).
    // `script` is a string constant (its address names it).
    RedisReply eval(const char* script, const std::vector<std::string>& keysThenArgs, int numKeys);
    // The same script once per element of `calls`, all in one round trip; one reply each.
    std::vector<RedisReply> evalMany(const char* script, const std::vector<std::vector<std::string>>& calls,
                                     int numKeys);
    // The same, running `whileWaiting` once during the first round trip (see
    // pipeline); a second one, for a server that lost the script, runs nothing.
    std::vector<RedisReply> evalMany(const char* script, const std::vector<std::vector<std::string>>& calls,
                                     int numKeys, const std::function<void()>& whileWaiting);
    const std::string& prefix() const { return cfg_.key_prefix; }
    std::string key(std::string_view name) const { return cfg_.key_prefix + std::string(name); }

private:
    struct Free {
        void operator()(redisContext* c) const { redisFree(c); }
    };
    RedisConfig cfg_;
    std::unique_ptr<redisContext, Free> ctx_;

    void connect();
    void append(const std::vector<std::string>& args);
    void flush();  // writes every appended command now
    // Drops the connection (the next command reconnects) and throws its error.
    [[noreturn]] void dropAndThrow(const char* otherwise);
    RedisReply read();
};

// Helpers on replies.
bool isError(const redisReply* r);
std::string replyString(const redisReply* r);

}  // namespace v2v::gw
