// Idempotency keys (see idempotency.h).
#include "idempotency.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

namespace v2v::gw {
namespace {
std::string sha256Hex(const std::string& s) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    char hex[sizeof h * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return hex;
}
}  // namespace

bool Idempotency::validKey(const std::string& key) {
    if (key.empty() || key.size() > 255) return false;
    for (unsigned char c : key)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

Idempotency::Idempotency(Redis& r, const std::string& clientId, const std::string& key, const std::string& body)
    : r_(r), redisKey_(r.key("idem:" + clientId + ":" + sha256Hex(key))), bodyHash_(sha256Hex(body)) {}

Idempotency::State Idempotency::begin() {
    std::string pending = nlohmann::json{{"state", "pending"}, {"hash", bodyHash_}}.dump();
    for (int attempt = 0; attempt < 2; ++attempt) {
        RedisReply set = r_.command({"SET", redisKey_, pending, "NX", "EX", std::to_string(kTtlSeconds)});
        if (isError(set.get())) throw RedisError("redis SET idempotency: " + replyString(set.get()));
        if (set->type == REDIS_REPLY_STATUS) return State::fresh;
        RedisReply got = r_.command({"GET", redisKey_});
        if (isError(got.get())) throw RedisError("redis GET idempotency: " + replyString(got.get()));
        if (got->type != REDIS_REPLY_STRING) continue;  // expired in between: try to claim again
        auto j = nlohmann::json::parse(replyString(got.get()), nullptr, false);
        if (!j.is_object()) return State::conflict_body;
        if (j.value("hash", "") != bodyHash_) return State::conflict_body;
        if (j.value("state", "") != "done") return State::in_progress;
        replay_.status = j.value("status", 200);
        replay_.body = j.value("body", "");
        return State::replay;
    }
    return State::in_progress;
}

void Idempotency::finish(int status, const std::string& responseBody) {
    if (status >= 500 || status == 429) {
        r_.command({"DEL", redisKey_});
        return;
    }
    std::string done =
        nlohmann::json{{"state", "done"}, {"hash", bodyHash_}, {"status", status}, {"body", responseBody}}.dump();
    r_.command({"SET", redisKey_, done, "EX", std::to_string(kTtlSeconds)});
}

}  // namespace v2v::gw
