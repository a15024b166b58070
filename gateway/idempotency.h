// Idempotency-Key handling in Redis (24 h): the same key with the same body
// gets the first response again; the same key with another body, or while the
// first request is still running, gets 409. 5xx results are not kept (the
// client may retry). Keys are per client.
#pragma once

#include <optional>
#include <string>

#include "redis_client.h"

namespace v2v::gw {

struct StoredResponse {
    int status = 0;
    std::string body;
};

class Idempotency {
public:
    enum class State { fresh, replay, conflict_body, in_progress };

    // `key` is the header value (validated by validKey), `body` the raw request body.
    Idempotency(Redis& r, const std::string& clientId, const std::string& key, const std::string& body);
    // Claims the key, or finds the earlier result. Call once.
    State begin();
    const StoredResponse& replayed() const { return replay_; }
    // Records the final response (or releases the key for a 5xx).
    void finish(int status, const std::string& responseBody);

    static bool validKey(const std::string& key);  // 1..255 printable ASCII
    static constexpr int kTtlSeconds = 86400;

private:
    Redis& r_;
    std::string redisKey_;
    std::string bodyHash_;
    StoredResponse replay_;
};

}  // namespace v2v::gw
