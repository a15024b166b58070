// Background WAL checkpoints for a process with many writing threads.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses
// wal_autocheckpoint pages: that commit copies the WAL into the database and
// fsyncs (tens of milliseconds), while the process write mutex of Transaction
// makes every other writing thread wait. A program that owns a Checkpointer
// turns automatic checkpoints off on its connections (Db::setAutoCheckpoint(0))
// and this thread runs PASSIVE checkpoints instead: they never block a writer
// or a reader, and the WAL is reset by the first writer after a complete one.
//
// Under steady load no writer ever starts after a complete one: some thread
// commits while each checkpoint copies, so the WAL is never reset and grows
// without end (500 MB in ten seconds of sends on the gateway), every read
// slower as it grows. So once the WAL holds more than `restartFrames` frames,
// a RESTART checkpoint follows the PASSIVE one: it holds writers off (they
// wait in their busy handler) while it copies what the passive one left, a
// few milliseconds, and the next writer starts the WAL over. It waits at most
// kRestartWaitMs for readers still on the old WAL (writers wait meanwhile);
// refused, it backs off (RestartBackoff) so a long read (a backup, a big
// report) costs writers one short wait a while, not one every round.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace v2v {

// When the Checkpointer may try a RESTART: not before a back-off after a
// refused one, 1 s doubling to 30 s. Pure, for the tests.
class RestartBackoff {
public:
    using Clock = std::chrono::steady_clock;
    bool mayTry(Clock::time_point now) const { return now >= next_; }
    void refused(Clock::time_point now);
    void succeeded() { wait_ = Clock::duration::zero(), next_ = {}, failingSince_.reset(); }
    // Since when RESTARTs have been refused, if they are.
    std::optional<Clock::time_point> failingSince() const { return failingSince_; }
    static constexpr std::chrono::seconds kFirst{1}, kMost{30};

private:
    Clock::duration wait_ = Clock::duration::zero();
    Clock::time_point next_{};
    std::optional<Clock::time_point> failingSince_;
};

class Checkpointer {
public:
    // Checkpoints `path` every `interval` on its own connection until destroyed.
    Checkpointer(std::string path, int busyTimeoutMs, std::chrono::milliseconds interval,
                 int restartFrames = kRestartFrames);
    static constexpr int kRestartFrames = 4096;  // 32 MB of 8 KiB pages (16 MB of 4 KiB)
    static constexpr int kRestartWaitMs = 20;    // longest a RESTART waits for readers (writers wait too)
    ~Checkpointer();  // stops the thread after a last checkpoint
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

private:
    void run();
    std::string path_;
    int busyTimeoutMs_;
    std::chrono::milliseconds interval_;
    int restartFrames_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace v2v
