// Background WAL checkpoints for a process with many writing threads.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses
// wal_autocheckpoint pages: that commit copies the WAL into the database and
// fsyncs (tens of milliseconds), while the process write mutex of Transaction
// makes every other writing thread wait. A program that owns a Checkpointer
// turns automatic checkpoints off on its connections (Db::setAutoCheckpoint(0))
// and this thread runs PASSIVE checkpoints instead: they never block a writer
// or a reader, and the WAL is reset by the first writer after a complete one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace v2v {

class Checkpointer {
public:
    // Checkpoints `path` every `interval` on its own connection until destroyed.
    Checkpointer(std::string path, int busyTimeoutMs, std::chrono::milliseconds interval);
    ~Checkpointer();  // stops the thread after a last checkpoint
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

private:
    void run();
    std::string path_;
    int busyTimeoutMs_;
    std::chrono::milliseconds interval_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace v2v
