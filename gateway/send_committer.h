// The threads that make accepted emails durable, in two stages that work in
// batches and overlap: a committer takes every job waiting, takes their
// rate-limit tokens in one Redis round trip while it writes their emails in
// one SQLite transaction, takes the rows of the refused jobs (429) out of it
// and commits the others, and queues them in Redis (one round trip, during
// which the WAL is fsynced); an answerer then calls each job's `done` with its
// own outcome (writing the answers together, see answer_writes.h), while the
// committer goes on with the next batch. A job is all or
// nothing: its emails are either committed and queued, or withdrawn and
// reported as not accepted. Several committers take turns for the SQLite
// transaction (Transaction's process-wide writer mutex, not SQLite's busy
// wait). The rate check is the committer's own step, not a thread of its own:
// on these machines waking a thread on another CPU costs 50-90 us, and a
// separate checker cost two such wake-ups per batch and more CPU per send.
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
    // Called once: on a committer or the answerer thread, or at
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

    // Clients the committers found out of tokens, and until when (see RefusalCache).
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
    std::condition_variable commitCv_, answerCv_;
    std::deque<Pending> committing_, answering_;
    RefusalCache refusals_;
    // One connection for every committer: they take turns through
    // Transaction's writer mutex and use it only inside a Transaction, and its
    // page cache stays warm (SQLite drops a connection's cache whenever another
    // connection has written, so per-thread ones reread every index page each
    // batch). The WAL fsync after each commit does not use the connection, so
    // one committer syncs while the next commits.
    std::mutex dbMu_;
    std::unique_ptr<Db> db_;
    std::size_t queuedBytes_ = 0;  // MIME bytes of the jobs waiting in committing_ (take() releases them)
    bool stopping_ = false;
    int committersLeft_ = 0;  // the answerer ends after the last one
    std::chrono::steady_clock::time_point giveUpAt_ = std::chrono::steady_clock::time_point::max();
    std::vector<std::thread> committers_;
    std::thread answerer_;

    void commitLoop();
    void answerLoop();
    std::vector<Pending> take(std::deque<Pending>& q, bool& giveUp);  // mu_ held
    Db& sharedDb();
    // Takes the tokens of the jobs that ask for them (a refused job gets its
    // 429), running `whileWaiting` once during the round trip (or at once).
    void checkRates(std::vector<Pending>& batch, const std::function<void()>& whileWaiting);
    void checkAndCommit(Db& db, std::vector<Pending>& batch);
    static void finishAll(std::vector<Pending>& batch);
    void answerLater(std::vector<Pending>& batch);  // hands the batch to the answerer
};

}  // namespace v2v::gw
