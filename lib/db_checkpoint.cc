// Background WAL checkpoints (see db_checkpoint.h).
#include "db_checkpoint.h"

#include <algorithm>

#include "db.h"
#include "log.h"
#include "thread_name.h"

namespace v2v {

Checkpointer::Checkpointer(std::string path, int busyTimeoutMs, std::chrono::milliseconds interval,
                           int restartFrames)
    : path_(std::move(path)),
      busyTimeoutMs_(busyTimeoutMs),
      interval_(interval),
      restartFrames_(restartFrames),
      thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void RestartBackoff::refused(Clock::time_point now) {
    wait_ = wait_ == Clock::duration::zero() ? Clock::duration(kFirst) : std::min<Clock::duration>(wait_ * 2, kMost);
    next_ = now + wait_;
    if (!failingSince_) failingSince_ = now;
}

void Checkpointer::run() {
    nameThisThread("v2v-checkpoint");
    std::unique_ptr<Db> db;
    bool failing = false;  // log a failure once, and the recovery
    RestartBackoff restart;
    bool warnedRestart = false;  // RESTART refused for over a minute: said once
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
        bool last = cv_.wait_for(lk, interval_, [this] { return stop_; });
        lk.unlock();
        try {
            // A RESTART holds every writer off while it waits (in this busy
            // handler) for readers of the old WAL: a long read must cost a
            // skipped restart, not a writer stall of busy_timeout_ms.
            if (!db) db = std::make_unique<Db>(path_, std::min(busyTimeoutMs_, kRestartWaitMs));
            int walFrames = 0, copied = 0;
            int rc = sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied);
            const auto now = RestartBackoff::Clock::now();
            if (rc == SQLITE_OK && walFrames > restartFrames_ && restart.mayTry(now)) {
                // see the header: the WAL must start over
                const int frames = walFrames;
                rc = sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_RESTART, &walFrames, &copied);
                if (rc == SQLITE_BUSY) {
                    restart.refused(now);
                    if (!warnedRestart && now - restart.failingSince().value_or(now) >= std::chrono::minutes(1)) {
                        V2V_LOG(warning, "database") << path_ << ": the WAL cannot start over (a read has held it "
                                                     << "for over a minute); it holds " << frames << " pages";
                        warnedRestart = true;
                    }
                    rc = SQLITE_OK;
                } else if (rc == SQLITE_OK) {
                    if (warnedRestart) V2V_LOG(notice, "database") << path_ << ": the WAL started over again";
                    warnedRestart = false;
                    restart.succeeded();
                }
            }
            if (rc != SQLITE_OK && rc != SQLITE_BUSY) throwDb(db->handle(), rc, "wal checkpoint");
            if (failing) V2V_LOG(notice, "database") << "wal checkpoint works again";
            failing = false;
        } catch (const std::exception& e) {
            if (!failing) V2V_LOG(warning, "database") << path_ << ": " << e.what() << " (retrying)";
            failing = true;
            db.reset();
        }
        lk.lock();
        if (last) return;
    }
}

}  // namespace v2v
