// Batched rate checks, commits and queueing of accepted emails (see send_committer.h).
#include "send_committer.h"

#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>
#include <string>

#include "answer_writes.h"
#include "app.h"
#include "email_store.h"
#include "ids.h"
#include "log.h"
#include "ops_metrics.h"
#include "queue.h"
#include "records.h"
#include "request_ops.h"
#include "send_service.h"
#include "thread_name.h"

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

// Writes the emails of a batch; the caller's transaction is still open.
void writeEmails(Db& db, const std::vector<PreparedEmail*>& emails) {
    const std::int64_t now = nowSeconds();
    for (auto* p : emails) {
        applySuppressions(db, *p);
        insertEmail(db, p->email, now);
    }
}

// Commits the transaction the emails were written in, then one Redis round
// trip queues them, during which the WAL is fsynced: the answer waits for
// both, not one after the other. So an injector may take an email a moment
// before its row is on disk; only a power loss in that moment shows it (the
// email is sent, its client got no answer), as with any crash between a
// submission and its answer. If queueing fails the emails are all deleted
// again and the 503 is returned; a failed fsync is an exception (not
// accepted; queued emails may still be sent).
std::optional<ApiError> commitAndQueue(App& app, Db& db, Transaction& tx, const std::vector<PreparedEmail*>& emails) {
    const bool syncOwed = tx.commitDeferringSync();
    std::vector<QueueItem> items;
    for (const auto* p : emails)
        if (p->any_pending) items.push_back({p->email.id, p->email.send_at});
    try {
        InjectQueue(app.redis()).enqueueMany(items, [&] {
            if (syncOwed) db.syncWal();
        });
    } catch (const RedisError& err) {
        V2V_LOG(error, emails.front()->email.id)
            << "queue: " << err.what() << "; " << emails.size() << " email(s) withdrawn, answering 503";
        Transaction undo(db);
        for (const auto* p : emails) deleteEmail(db, p->email.id);
        undo.commit();
        return ApiError{503, "unavailable", "the queue is unavailable; nothing was sent, retry later", ""};
    }
    if (logEnabled(LogLevel::info)) {  // one write for the batch
        std::vector<std::pair<std::string, std::string>> lines;
        lines.reserve(emails.size());
        for (const auto* p : emails)
            lines.emplace_back(p->email.id, "accepted client=" + p->email.client_id + " from=<" +
                                                p->email.from_address + "> recipients=" +
                                                std::to_string(p->email.recipients.size()) + " size=" +
                                                std::to_string(p->email.mime.size()) + " status=" + p->email.status);
        logLines(LogLevel::info, lines);
    }
    return std::nullopt;
}

std::string whatOf(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

// Calls the job's `done`; a failure there is the job's own and stops nothing else.
void finish(CommitJob& job, CommitResult&& r) {
    try {
        job.done(std::move(r));
    } catch (const std::exception& e) {
        V2V_LOG(error, "send") << "answering a request: " << e.what();
    } catch (...) {
        V2V_LOG(error, "send") << "answering a request: unknown exception";
    }
}

std::size_t mimeBytes(const CommitJob& job) {
    std::size_t n = 0;
    for (const auto* p : job.emails) n += p->email.mime.size();
    return n;
}

CommitResult refused(int status, const char* code, const char* message) {
    CommitResult r;
    r.error = ApiError{status, code, message, ""};
    return r;
}

CommitResult shuttingDown() { return refused(503, "shutting_down", "the gateway is shutting down; retry shortly"); }

// Jobs not started by their deadline are refused.
void refuseLate(std::vector<SendCommitter::Pending>& batch) {
    const auto now = std::chrono::steady_clock::now();
    for (auto& p : batch)
        if (p.job.deadline <= now && !p.result.error && !p.result.exception)
            p.result = refused(503, "unavailable", "the request waited too long to be stored; nothing was sent, retry");
}

bool failed(const CommitResult& r) { return r.error || r.exception; }

}  // namespace

SendCommitter::SendCommitter(App& app) : SendCommitter(app, Options()) {}

SendCommitter::SendCommitter(App& app, Options options) : app_(app), options_(options) {
    committersLeft_ = std::max(1, options_.threads);
    for (int i = 0; i < committersLeft_; ++i) committers_.emplace_back([this] { commitLoop(); });
    answerer_ = std::thread([this] { answerLoop(); });
}

SendCommitter::~SendCommitter() { stop(); }

void SendCommitter::submit(CommitJob job) {
    const std::size_t bytes = mimeBytes(job);
    CommitResult r;
    {
        std::lock_guard<std::mutex> lk(mu_);
        const std::size_t waiting = committing_.size() + answering_.size();
        if (stopping_) {
            r = shuttingDown();
        } else if (waiting >= options_.max_jobs || (waiting > 0 && queuedBytes_ + bytes > options_.max_bytes)) {
            r = refused(503, "unavailable", "the gateway is overloaded; retry later");
        } else {
            queuedBytes_ += bytes;
            committing_.push_back({std::move(job), {}, bytes});
            commitCv_.notify_one();
            return;
        }
    }
    finish(job, std::move(r));
}

CommitResult SendCommitter::submitAndWait(std::optional<RateCheck> rate, std::vector<PreparedEmail*> emails) {
    std::promise<CommitResult> promise;
    std::future<CommitResult> future = promise.get_future();
    CommitJob job;
    job.rate = std::move(rate);
    job.emails = std::move(emails);
    job.done = [&promise](CommitResult&& r) { promise.set_value(std::move(r)); };
    submit(std::move(job));
    CommitResult r = future.get();
    if (r.exception) std::rethrow_exception(r.exception);
    return r;
}

void SendCommitter::stop(std::chrono::milliseconds grace) {
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (!stopping_) giveUpAt_ = std::chrono::steady_clock::now() + grace;
        stopping_ = true;
        commitCv_.notify_all();
    }
    for (auto& t : committers_)
        if (t.joinable()) t.join();
    if (answerer_.joinable()) answerer_.join();
}

std::vector<SendCommitter::Pending> SendCommitter::take(std::deque<Pending>& q, bool& giveUp) {
    std::vector<Pending> batch;
    giveUp = stopping_ && std::chrono::steady_clock::now() >= giveUpAt_;
    while (!q.empty() && batch.size() < kMaxJobsPerBatch) {
        queuedBytes_ -= q.front().bytes;
        batch.push_back(std::move(q.front()));
        q.pop_front();
    }
    return batch;
}

void SendCommitter::finishAll(std::vector<Pending>& batch) {
    ops::AuditBatch audit;  // the batch's audit lines in one write
    AnswerWrites writes;    // and its answers in one system call, before those lines
    for (auto& p : batch) finish(p.job, std::move(p.result));
}

void SendCommitter::commitLoop() {
    nameThisThread("v2v-commit");
    for (;;) {
        bool giveUp = false;
        std::vector<Pending> batch;
        {
            std::unique_lock<std::mutex> lk(mu_);
            commitCv_.wait(lk, [this] { return !committing_.empty() || stopping_; });
            batch = take(committing_, giveUp);
            if (batch.empty()) {  // stopping, and nothing is left: the answerer may end after the last one
                if (--committersLeft_ == 0) answerCv_.notify_all();
                return;
            }
        }
        if (giveUp) {
            for (auto& p : batch) p.result = shuttingDown();
            finishAll(batch);
            continue;
        }
        if (options_.before_commit) options_.before_commit();
        refuseLate(batch);
        Db* db = nullptr;
        try {
            db = &sharedDb();
        } catch (...) {
            auto ex = std::current_exception();
            V2V_LOG(error, "send") << "database: " << whatOf(ex) << "; " << batch.size() << " request(s) not accepted";
            for (auto& p : batch)
                if (!failed(p.result)) p.result.exception = ex;
            finishAll(batch);
            continue;
        }
        checkAndCommit(*db, batch);
        answerLater(batch);
    }
}

// Answering (the JSON, the socket write, metrics and audit lines) is over a
// third of a batch's time in the committer; on its own thread it overlaps the
// next batch's commit.
void SendCommitter::answerLater(std::vector<Pending>& batch) {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& p : batch) answering_.push_back(std::move(p));
    answerCv_.notify_one();
}

void SendCommitter::answerLoop() {
    nameThisThread("v2v-answer");
    for (;;) {
        std::vector<Pending> batch;
        {
            std::unique_lock<std::mutex> lk(mu_);
            answerCv_.wait(lk, [this] { return !answering_.empty() || committersLeft_ == 0; });
            if (answering_.empty()) return;  // every committer has ended and nothing is left
            batch.reserve(answering_.size());
            for (auto& p : answering_) batch.push_back(std::move(p));
            answering_.clear();
        }
        finishAll(batch);
    }
}

Db& SendCommitter::sharedDb() {
    std::lock_guard<std::mutex> lk(dbMu_);
    if (!db_) db_ = app_.openDb();
    return *db_;
}

void SendCommitter::checkRates(std::vector<Pending>& batch, const std::function<void()>& whileWaiting) {
    std::vector<std::size_t> asking;
    std::vector<RateCheck> checks;
    for (std::size_t i = 0; i < batch.size(); ++i)
        if (batch[i].job.rate && !failed(batch[i].result)) {
            asking.push_back(i);
            checks.push_back(*batch[i].job.rate);
        }
    if (checks.empty()) return whileWaiting();
    try {
        // Before the round trip: Redis computed the tokens no earlier, so a
        // refusal window never outlasts the bucket's real one.
        const auto now = RefusalCache::Clock::now();
        std::vector<RateDecision> d = takeTokensMany(app_.redis(), checks, whileWaiting);
        for (std::size_t k = 0; k < asking.size(); ++k) {
            CommitResult& r = batch[asking[k]].result;
            r.rate = d[k];
            if (d[k].allowed) continue;
            metrics::rateLimited();  // issue 7
            r.error = rateLimitedError(checks[k], d[k]);
            refusals_.refused(checks[k], d[k], now);
        }
    } catch (...) {
        auto ex = std::current_exception();
        V2V_LOG(error, "send") << "rate limit: " << whatOf(ex) << "; " << asking.size() << " request(s) not accepted";
        for (std::size_t i : asking) batch[i].result.exception = ex;
    }
}

// The batch's emails are written while Redis takes its tokens (one round trip
// less per batch); the transaction commits only once the decisions are in,
// and the rows of the jobs refused meanwhile are taken out of it first, so a
// refused email is never committed.
void SendCommitter::checkAndCommit(Db& db, std::vector<Pending>& batch) {
    std::vector<std::size_t> writing;
    std::vector<PreparedEmail*> written;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (failed(batch[i].result) || batch[i].job.emails.empty()) continue;
        writing.push_back(i);
        written.insert(written.end(), batch[i].job.emails.begin(), batch[i].job.emails.end());
    }
    std::optional<Transaction> tx;
    std::exception_ptr ex;
    bool tried = false;
    auto write = [&] {  // never throws: Redis's replies must still be read
        tried = true;
        if (written.empty()) return;
        try {
            tx.emplace(db);
            writeEmails(db, written);
        } catch (...) {
            ex = std::current_exception();
            tx.reset();
        }
    };
    checkRates(batch, write);
    if (!tried) write();  // Redis failed before it could run
    if (written.empty()) return;
    std::vector<std::size_t> committing, withdrawn;  // withdrawn: refused, or their check failed
    std::vector<PreparedEmail*> emails;
    for (std::size_t i : writing) {
        (failed(batch[i].result) ? withdrawn : committing).push_back(i);
        if (!failed(batch[i].result))
            emails.insert(emails.end(), batch[i].job.emails.begin(), batch[i].job.emails.end());
    }
    std::optional<ApiError> err;
    if (!ex && !emails.empty()) {
        try {
            for (std::size_t i : withdrawn)
                for (const auto* p : batch[i].job.emails) deleteEmail(db, p->email.id);
            err = commitAndQueue(app_, db, *tx, emails);
        } catch (...) {
            ex = std::current_exception();
        }
    }
    if (ex && !committing.empty())
        V2V_LOG(error, written.front()->email.id) << "commit: " << whatOf(ex) << "; " << committing.size()
                                                  << " request(s) not accepted";
    for (std::size_t i : committing) {
        batch[i].result.error = err;
        batch[i].result.exception = ex;
    }
}

}  // namespace v2v::gw
