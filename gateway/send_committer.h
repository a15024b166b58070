// The threads that make accepted emails durable, in three stages that work in
// batches and overlap: a checker takes every job waiting once the committers
// have taken its last batch, and takes their rate-limit tokens in one Redis
// round trip (a refused job is answered there); a committer takes every checked job waiting and commits
// their emails to SQLite (one transaction), queues them in Redis (one round
// trip, during which the WAL is fsynced); an answerer then calls each job's
// `done` with its own outcome (writing the answers), while the committer
// goes on with the next batch. A job is all or nothing: its emails are
// either committed and queued, or withdrawn and reported as not accepted.
// Several committers take turns for the SQLite transaction (Transaction's
// process-wide writer mutex, not SQLite's busy wait).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
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
    std::exception_ptr exception;      // failed on this (nothing kept, logged); the caller maps it
};

struct CommitJob {
    std::optional<RateCheck> rate;       // tokens to take first; refused -> 429, nothing committed
    std::vector<PreparedEmail*> emails;  // may be empty (the request already failed)
    // Not started by then -> 503, nothing kept (the client may have given up).
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    // Called once: on the checker, a committer or the answerer thread, or at
    // once by submit() when it refuses the job.
    std::function<void(CommitResult&&)> done;
};

class SendCommitter {
public:
    struct Options {
        int threads = 1;  // committers (gateway.commit_threads)
        // Backpressure: past either bound a job is answered at once with 503
        // (overloaded, retry later) instead of waiting without end in memory.
        std::size_t max_jobs = 4096;
        std::size_t max_bytes = 256u << 20;  // MIME bytes of the emails waiting
        // For the tests: called on a committer thread with each batch it has
        // taken, before committing it (they hold the committer there).
        std::function<void()> before_commit;
    };
    explicit SendCommitter(App& app);
    SendCommitter(App& app, Options options);
    ~SendCommitter();
    SendCommitter(const SendCommitter&) = delete;
    SendCommitter& operator=(const SendCommitter&) = delete;

    void submit(CommitJob job);
    // Submits and waits (the caller's thread blocks). Rethrows the job's exception.
    CommitResult submitAndWait(std::optional<RateCheck> rate, std::vector<PreparedEmail*> emails);
    // Refuses new jobs (503), finishes those waiting, then stops. Jobs still
    // waiting after `grace` are answered 503 without being started.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

    // Clients the checker found out of tokens, and until when (see RefusalCache).
    const RefusalCache& refusals() const { return refusals_; }

    static constexpr std::size_t kMaxJobsPerBatch = 512;

    struct Pending {  // a job and its outcome so far
        CommitJob job;
        CommitResult result;
        std::size_t bytes = 0;  // MIME bytes of its emails (counted in queuedBytes_ while queued)
    };

private:
    App& app_;
    const Options options_;
    std::mutex mu_;
    std::condition_variable checkCv_, commitCv_, answerCv_;
    std::deque<Pending> checking_, committing_, answering_;
    RefusalCache refusals_;
    // One connection for every committer: they take turns through
    // Transaction's writer mutex and use it only inside a Transaction, and its
    // page cache stays warm (SQLite drops a connection's cache whenever another
    // connection has written, so per-thread ones reread every index page each
    // batch). The WAL fsync after each commit does not use the connection, so
    // one committer syncs while the next commits.
    std::mutex dbMu_;
    std::unique_ptr<Db> db_;
    std::size_t queuedBytes_ = 0;  // MIME bytes in both queues
    bool stopping_ = false;
    bool checkerDone_ = false;
    int committersLeft_ = 0;  // the answerer ends after the last one
    std::chrono::steady_clock::time_point giveUpAt_ = std::chrono::steady_clock::time_point::max();
    std::thread checker_;
    std::vector<std::thread> committers_;
    std::thread answerer_;

    void checkLoop();
    void commitLoop();
    void answerLoop();
    std::vector<Pending> take(std::deque<Pending>& q, bool& giveUp);  // mu_ held
    // mu_ held. The checker checks the next batch once the committers have
    // taken the last one: checked sooner, it would only wait for them, and
    // checking each arrival alone costs a Redis round trip and two thread
    // wake-ups per request or two (the checker is much faster than a commit).
    bool checkDue() const { return committing_.empty(); }
    Db& sharedDb();
    void checkRates(std::vector<Pending>& batch);
    void commit(Db& db, std::vector<Pending>& batch);
    static void finishAll(std::vector<Pending>& batch);
    void answerLater(std::vector<Pending>& batch);  // hands the batch to the answerer
};

}  // namespace v2v::gw
