// The one thread that makes accepted emails durable. Requests hand it jobs;
// it takes every job waiting at the moment and, for all of them at once:
// takes their rate-limit tokens (one Redis round trip), commits their emails
// to SQLite (one transaction), queues them in Redis (one round trip), then
// calls each job's `done` with its own outcome. A job is all or nothing: its
// emails are either committed and queued, or withdrawn and reported as not
// accepted. While a batch is written the next one gathers, so under load a
// request never waits for more than the batch ahead of it.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api_error.h"
#include "rate_limit.h"

namespace v2v {
class Db;
}

namespace v2v::gw {

class App;
struct PreparedEmail;

struct CommitResult {
    std::optional<RateDecision> rate;  // the job's rate decision, when it asked for one
    std::optional<ApiError> error;     // refused (429) or not accepted (503), nothing kept
    std::exception_ptr exception;      // failed on this (nothing kept); the caller maps it
};

struct CommitJob {
    std::optional<RateCheck> rate;       // tokens to take first; refused -> 429, nothing committed
    std::vector<PreparedEmail*> emails;  // may be empty (the request already failed)
    std::function<void(CommitResult&&)> done;  // called once, on the committer's thread
};

class SendCommitter {
public:
    // Backpressure: past either bound a job is answered at once with 503
    // (overloaded, retry later) instead of waiting without end in memory.
    struct Limits {
        std::size_t max_jobs = 4096;
        std::size_t max_bytes = 256u << 20;  // MIME bytes of the emails waiting
    };
    explicit SendCommitter(App& app);
    SendCommitter(App& app, Limits limits);
    ~SendCommitter();
    SendCommitter(const SendCommitter&) = delete;
    SendCommitter& operator=(const SendCommitter&) = delete;

    void submit(CommitJob job);
    // Submits and waits (the caller's thread blocks). Rethrows the job's exception.
    CommitResult submitAndWait(std::optional<RateCheck> rate, std::vector<PreparedEmail*> emails);
    // Finishes every job submitted so far, then stops. Jobs submitted after
    // that are answered at once with 503 (the gateway is shutting down).
    void stop();

    static constexpr std::size_t kMaxJobsPerBatch = 512;

private:
    App& app_;
    const Limits limits_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<CommitJob> queue_;
    std::size_t queuedBytes_ = 0;
    bool stopping_ = false;
    bool stopped_ = false;
    std::thread thread_;

    void run();
    void process(Db& db, std::vector<CommitJob>& jobs);
};

}  // namespace v2v::gw
