// Batched rate checks, commits and queueing of accepted emails (see send_committer.h).
#include "send_committer.h"

#include <future>
#include <nlohmann/json.hpp>

#include "app.h"
#include "email_store.h"
#include "ids.h"
#include "log.h"
#include "ops_metrics.h"
#include "queue.h"
#include "records.h"
#include "send_service.h"

namespace v2v::gw {

namespace {

// Marks suppressed recipients, then sets the email's status and 202 body.
void applySuppressions(Db& db, PreparedEmail& p) {
    NewEmail& e = p.email;
    nlohmann::json recips = nlohmann::json::array();
    std::vector<std::string> sts;
    p.any_pending = false;
    for (auto& r : e.recipients) {
        if (isSuppressed(db, e.client_id, r.address)) r.status = status::suppressed;
        p.any_pending = p.any_pending || r.status != status::suppressed;
        recips.push_back({{"email", r.address}, {"status", r.status}});
        sts.push_back(r.status);
    }
    e.status = aggregateStatus(sts);
    p.body = {{"id", e.id}, {"message_id", e.message_id}, {"status", e.status}, {"recipients", recips}};
}

// One transaction for every email, then one Redis round trip. If queueing
// fails they are all deleted again and the 503 is returned.
std::optional<ApiError> commitAndQueueNow(App& app, Db& db, const std::vector<PreparedEmail*>& emails) {
    const std::int64_t now = nowSeconds();
    {
        Transaction tx(db);
        for (auto* p : emails) {
            applySuppressions(db, *p);
            insertEmail(db, p->email, now);
        }
        tx.commit();
    }
    std::vector<QueueItem> items;
    for (const auto* p : emails)
        if (p->any_pending) items.push_back({p->email.id, p->email.send_at});
    try {
        InjectQueue(app.redis()).enqueueMany(items);
    } catch (const RedisError& err) {
        V2V_LOG(error, emails.front()->email.id)
            << "queue: " << err.what() << "; " << emails.size() << " email(s) withdrawn, answering 503";
        Transaction tx(db);
        for (const auto* p : emails) deleteEmail(db, p->email.id);
        tx.commit();
        return ApiError{503, "unavailable", "the queue is unavailable; nothing was sent, retry later", ""};
    }
    for (const auto* p : emails)
        V2V_LOG(info, p->email.id) << "accepted client=" << p->email.client_id << " from=<" << p->email.from_address
                                   << "> recipients=" << p->email.recipients.size() << " size=" << p->email.mime.size()
                                   << " status=" << p->email.status;
    return std::nullopt;
}

// Takes the tokens of every job that asks; a refused job gets its 429, and
// all of them a 503 when Redis cannot answer.
void checkRates(App& app, std::vector<CommitJob>& jobs, std::vector<CommitResult>& results) {
    std::vector<std::size_t> asking;
    std::vector<RateCheck> checks;
    for (std::size_t i = 0; i < jobs.size(); ++i)
        if (jobs[i].rate) {
            asking.push_back(i);
            checks.push_back(*jobs[i].rate);
        }
    if (checks.empty()) return;
    try {
        std::vector<RateDecision> d = takeTokensMany(app.redis(), checks);
        for (std::size_t k = 0; k < asking.size(); ++k) {
            CommitResult& r = results[asking[k]];
            r.rate = d[k];
            if (d[k].allowed) continue;
            metrics::rateLimited();  // issue 7
            r.error = rateLimitedError(checks[k], d[k]);
        }
    } catch (...) {
        for (std::size_t i : asking) results[i].exception = std::current_exception();
    }
}

// Calls the job's `done`; a failure there is the job's own and stops nothing else.
void finish(CommitJob& job, CommitResult&& r) {
    try {
        job.done(std::move(r));
    } catch (const std::exception& e) {
        V2V_LOG(error, "send") << "answering a request: " << e.what();
    }
}

std::size_t mimeBytes(const CommitJob& job) {
    std::size_t n = 0;
    for (const auto* p : job.emails) n += p->email.mime.size();
    return n;
}

}  // namespace

SendCommitter::SendCommitter(App& app) : SendCommitter(app, Limits()) {}

SendCommitter::SendCommitter(App& app, Limits limits) : app_(app), limits_(limits), thread_([this] { run(); }) {}

SendCommitter::~SendCommitter() { stop(); }

void SendCommitter::submit(CommitJob job) {
    const std::size_t bytes = mimeBytes(job);
    CommitResult r;
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (stopping_) {
            r.error = ApiError{503, "shutting_down", "the gateway is shutting down; retry shortly", ""};
        } else if (queue_.size() >= limits_.max_jobs || (!queue_.empty() && queuedBytes_ + bytes > limits_.max_bytes)) {
            r.error = ApiError{503, "unavailable", "the gateway is overloaded; retry later", ""};
        } else {
            queuedBytes_ += bytes;
            queue_.push_back(std::move(job));
            cv_.notify_one();
            return;
        }
    }
    finish(job, std::move(r));
}

CommitResult SendCommitter::submitAndWait(std::optional<RateCheck> rate, std::vector<PreparedEmail*> emails) {
    std::promise<CommitResult> promise;
    std::future<CommitResult> future = promise.get_future();
    submit({std::move(rate), std::move(emails), [&promise](CommitResult&& r) { promise.set_value(std::move(r)); }});
    CommitResult r = future.get();
    if (r.exception) std::rethrow_exception(r.exception);
    return r;
}

void SendCommitter::stop() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (stopped_) return;
        stopping_ = true;
        stopped_ = true;
        cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void SendCommitter::run() {
    std::unique_ptr<Db> db;  // this thread's own: its page cache stays warm from one batch to the next
    for (;;) {
        std::vector<CommitJob> jobs;
        {
            std::unique_lock<std::mutex> lk(mu_);
            cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and every job is done
            while (!queue_.empty() && jobs.size() < kMaxJobsPerBatch) {
                queuedBytes_ -= mimeBytes(queue_.front());
                jobs.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        if (!db) {
            try {
                db = app_.openDb();
            } catch (...) {
                // Every job of this batch fails on it (503 for a busy or missing database).
                for (auto& job : jobs) {
                    CommitResult r;
                    r.exception = std::current_exception();
                    finish(job, std::move(r));
                }
                continue;
            }
        }
        process(*db, jobs);
    }
}

void SendCommitter::process(Db& db, std::vector<CommitJob>& jobs) {
    std::vector<CommitResult> results(jobs.size());
    checkRates(app_, jobs, results);
    std::vector<PreparedEmail*> emails;
    std::vector<std::size_t> committing;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (results[i].error || results[i].exception || jobs[i].emails.empty()) continue;
        committing.push_back(i);
        emails.insert(emails.end(), jobs[i].emails.begin(), jobs[i].emails.end());
    }
    if (!emails.empty()) {
        std::optional<ApiError> err;
        std::exception_ptr ex;
        try {
            err = commitAndQueueNow(app_, db, emails);
        } catch (...) {
            ex = std::current_exception();
        }
        for (std::size_t i : committing) {
            results[i].error = err;
            results[i].exception = ex;
        }
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) finish(jobs[i], std::move(results[i]));
}

}  // namespace v2v::gw
