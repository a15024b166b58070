// Injector workers: take email ids from the Redis stream and submit each
// pending recipient to Postfix over a persistent SMTP session, one transaction
// per recipient with its VERP return path, ENVID, NOTIFY and RET (DESIGN.md).
// 2xx → submitted; 5xx → failed; 4xx / no connection → deferred and retried
// with exponential backoff and jitter, then dead-lettered after max_attempts.
// A scheduler thread promotes due scheduled sends and runs the reconciler,
// which re-queues emails SQLite holds as pending but Redis lost.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "app.h"
#include "email_store.h"
#include "queue.h"

namespace v2v::gw {

// The reconciler walks the pending emails older than reconcile_age_seconds,
// kReconcileBatch a round. A walk's bound is fixed when it starts, so every
// walk ends and the next one starts over.
struct ReconcileWalk {
    bool started = false;
    std::int64_t olderThan = 0;
    PendingCursor cursor;
};
// One round of the walk: re-queues the emails Redis holds neither in the
// stream nor in the schedule; returns how many.
int reconcileRound(Db& db, InjectQueue& q, ReconcileWalk& walk, std::int64_t now, int ageSeconds);

// Delay before attempt `attempt`+1 (attempt >= 1): base * 2^(attempt-1), capped
// at 6 h, with ±25 % jitter from `unitRandom` in [0, 1).
std::int64_t retryDelaySeconds(int baseSeconds, int attempt, double unitRandom);

class Injector {
public:
    explicit Injector(App& app) : app_(app) {}
    ~Injector() { stop(); }
    void start();
    // Stops taking new work; each worker finishes the email in hand. Joins.
    void stop();

private:
    App& app_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;

    void workerLoop(int n);
    void schedulerLoop();
};

}  // namespace v2v::gw
