// Process-wide state of the gateway shared by HTTP handlers and workers:
// the config snapshot, per-thread SQLite and Redis connections, drain state.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "config.h"
#include "db.h"
#include "redis_client.h"

namespace v2v::gw {

class SendCommitter;

class App {
public:
    explicit App(ConfigPtr cfg);
    ~App();
    const Config& config() const { return *cfg_; }
    ConfigPtr configPtr() const { return cfg_; }

    // Connections owned by the calling thread (SQLite and hiredis are not shared across threads).
    Db& db();
    // A new connection as db() makes them (automatic checkpoints off: the
    // server's Checkpointer does them), for a user that keeps its own.
    std::unique_ptr<Db> openDb() const;
    Redis& redis();
    // The threads that commit and queue accepted emails (started on first use).
    SendCommitter& committer();
    // Stops them (see SendCommitter::stop); later jobs are answered 503.
    void stopCommitter();

    std::atomic<bool> draining{false};
    std::atomic<int> inflight{0};

private:
    ConfigPtr cfg_;
    std::once_flag committerOnce_;
    std::unique_ptr<SendCommitter> committer_;
};

}  // namespace v2v::gw
