// Injector worker and scheduler loops (see injector.h).
#include "injector.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <random>

#include "email_store.h"
#include "ids.h"
#include "log.h"
#include "ops_metrics.h"
#include "queue.h"
#include "records.h"
#include "smtp_client.h"
#include "thread_name.h"
#include "verp.h"

namespace v2v::gw {
namespace {

void sleepFor(const std::atomic<bool>& stopping, int ms) {
    for (int waited = 0; waited < ms && !stopping; waited += 50)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

constexpr std::size_t kReconcileBatch = 1000;  // emails looked at per reconcile round
constexpr std::chrono::seconds kClaimEvery{10};  // how often a worker looks for a dead worker's entries

double unitRandom() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Processes one email: every pending recipient gets one SMTP transaction.
void processEmail(App& app, Db& db, InjectQueue& q, SmtpSession& smtp, const std::string& emailId) {
    const Config& cfg = app.config();
    auto email = loadForInjection(db, emailId);
    if (!email) {
        V2V_LOG(warning, emailId) << "queued id not in the database; dropped from the queue";
        return;
    }
    std::int64_t now = nowSeconds();
    if (email->send_at && *email->send_at > now + 1) {
        q.schedule(emailId, *email->send_at);  // promoted early (reconciler): put back
        return;
    }
    int minAttempts = 0;
    bool anyDeferred = false;
    for (const auto& r : email->pending) {
        RecipientTag tag{email->id, r.idx};
        Envelope env{verpAddress(cfg.domains.verp_prefix, tag, cfg.domains.bounce_domain), envid(tag), r.address};
        auto t0 = std::chrono::steady_clock::now();
        SmtpReply reply = smtp.send(env, email->mime);
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
        int attempts = r.attempts + 1;
        Outcome o;
        if (reply.positive()) {
            o = Outcome::submitted;
            V2V_LOG(info, email->id) << "to=<" << r.address << "> idx=" << r.idx << " submitted: " << logSafe(reply.str());
        } else if (reply.permanent()) {
            o = Outcome::failed;
            V2V_LOG(info, email->id) << "to=<" << r.address << "> idx=" << r.idx << " refused: " << logSafe(reply.str());
        } else if (attempts >= cfg.gateway.max_attempts) {
            o = Outcome::failed;
            V2V_LOG(warning, email->id) << "to=<" << r.address << "> idx=" << r.idx << " giving up after " << attempts
                                        << " attempts: " << logSafe(reply.str());
            q.deadLetter(email->id, "recipient " + std::to_string(r.idx) + ": " + reply.str());
        } else {
            o = Outcome::deferred;
            anyDeferred = true;
            minAttempts = minAttempts == 0 ? attempts : std::min(minAttempts, attempts);
            V2V_LOG(info, email->id) << "to=<" << r.address << "> idx=" << r.idx << " deferred (attempt " << attempts
                                     << "): " << logSafe(reply.str());
        }
        metrics::injection(o == Outcome::submitted ? "submitted" : o == Outcome::failed ? "failed" : "deferred",
                           took.count());  // issue 7
        recordOutcome(db, email->id, email->client_id, r.idx, o, reply.code, reply.enhanced,
                      reply.code ? reply.str() : "connection: " + reply.text, attempts);
    }
    if (anyDeferred)
        q.schedule(email->id, now + retryDelaySeconds(cfg.gateway.retry_base_seconds, minAttempts, unitRandom()));
}

// Redis lock so two workers never inject the same email at once (duplicate
// stream entries can exist after a reconcile).
bool lockEmail(Redis& r, const std::string& id, const std::string& owner) {
    RedisReply rep = r.command({"SET", r.key("lock:" + id), owner, "NX", "PX", "600000"});
    return rep && rep->type == REDIS_REPLY_STATUS;
}
void unlockEmail(Redis& r, const std::string& id) { r.command({"DEL", r.key("lock:" + id)}); }

}  // namespace

int reconcileRound(Db& db, InjectQueue& q, ReconcileWalk& walk, std::int64_t now, int ageSeconds) {
    if (!walk.started) {  // a new walk: its bound is fixed, so it ends
        walk = ReconcileWalk{};
        walk.olderThan = now - ageSeconds;
        walk.started = true;
    }
    auto pending = pendingEmailsAfter(db, walk.cursor, walk.olderThan, static_cast<int>(kReconcileBatch));
    std::vector<std::string> ids;
    for (const auto& p : pending) ids.push_back(p.id);
    std::vector<bool> held = ids.empty() ? std::vector<bool>{} : q.held(ids);
    std::vector<QueueItem> lost;  // neither queued nor scheduled in Redis
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (!held[i]) lost.push_back({ids[i], std::nullopt});
    if (!lost.empty()) q.enqueueMany(lost);
    if (pending.size() < kReconcileBatch)
        walk.started = false;  // done: the next round starts over
    else
        walk.cursor = PendingCursor{pending.back().updated_at, pending.back().id};
    return static_cast<int>(lost.size());
}

std::int64_t retryDelaySeconds(int base, int attempt, double u) {
    double d = static_cast<double>(base) * std::pow(2.0, std::max(0, attempt - 1));
    d = std::min(d, 6.0 * 3600);
    d *= 0.75 + 0.5 * u;
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(d));
}

void Injector::start() {
    stopping_ = false;
    for (int i = 0; i < app_.config().gateway.injector_workers; ++i) threads_.emplace_back([this, i] { workerLoop(i); });
    threads_.emplace_back([this] { schedulerLoop(); });
}

void Injector::stop() {
    stopping_ = true;
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void Injector::workerLoop(int n) {
    nameThisThread("v2v-inject-" + std::to_string(n));
    std::string consumer = "gw-" + std::to_string(getpid()) + "-" + std::to_string(n);
    Redis redis(app_.config().redis);
    InjectQueue q(redis);
    SmtpSession smtp(app_.config().gateway.smtp);
    bool groupReady = false;
    int idleRounds = 0;
    int outageMs = 0;  // Postfix unreachable: this worker's current back-off
    // Entries a dead worker (a crashed or killed gateway) had read are taken
    // over once idle for a minute: looked for every kClaimEvery, busy or not
    // (the reconciler leaves them alone: Redis still holds them).
    auto nextClaim = std::chrono::steady_clock::now() + kClaimEvery;
    while (!stopping_) {
        try {
            if (!groupReady) {
                q.ensureGroup();
                groupReady = true;
            }
            std::vector<QueueEntry> entries;
            if (std::chrono::steady_clock::now() >= nextClaim) {
                entries = q.claimStale(consumer, 60000, 10);
                nextClaim = std::chrono::steady_clock::now() + kClaimEvery;
            }
            if (entries.empty()) entries = q.read(consumer, 1, 500);
            if (entries.empty()) {
                if (++idleRounds % 60 == 0) smtp.quit();  // idle: don't hold Postfix sessions
                continue;
            }
            idleRounds = 0;
            for (const auto& e : entries) {
                bool outage = false;
                if (!e.email_id.empty() && lockEmail(redis, e.email_id, consumer)) {
                    const auto t0 = std::chrono::steady_clock::now();
                    try {
                        processEmail(app_, app_.db(), q, smtp, e.email_id);
                        outageMs = 0;
                    } catch (const SmtpUnavailable& err) {
                        // An outage costs no attempt: the email waits in the
                        // schedule and this worker backs off (1 s doubling to 30 s).
                        outage = true;
                        outageMs = std::min(30000, outageMs ? outageMs * 2 : 1000);
                        q.schedule(e.email_id, nowSeconds() + outageMs / 1000);
                        V2V_LOG(warning, e.email_id) << "postfix unavailable (" << err.what() << "); retrying in "
                                                     << outageMs / 1000 << " s, no attempt counted";
                        std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
                        metrics::injection("unavailable", took.count());  // the time to find Postfix down
                    }
                    unlockEmail(redis, e.email_id);
                }
                q.ack(e);
                if (outage) sleepFor(stopping_, outageMs);
            }
        } catch (const RedisError& err) {
            V2V_LOG(warning, consumer) << err.what() << "; retrying in 1 s";
            groupReady = false;
            sleepFor(stopping_, 1000);
        } catch (const DbError& err) {
            // Not acked: the entry stays pending and is reclaimed.
            V2V_LOG(error, consumer) << "database: " << err.what() << "; retrying in 1 s";
            sleepFor(stopping_, 1000);
        } catch (const std::exception& err) {
            V2V_LOG(error, consumer) << "injector: " << err.what();
            sleepFor(stopping_, 1000);
        }
    }
    smtp.quit();
}

void Injector::schedulerLoop() {
    nameThisThread("v2v-schedule");
    const auto& g = app_.config().gateway;
    Redis redis(app_.config().redis);
    InjectQueue q(redis);
    std::int64_t nextReconcile = 0;  // at start, then every interval
    bool redisWasDown = false;
    ReconcileWalk walk;
    while (!stopping_) {
        try {
            q.promoteDue(nowSeconds());
            std::int64_t now = nowSeconds();
            if (redisWasDown) walk = ReconcileWalk{};  // Redis is back: look at everything again
            if (now >= nextReconcile || redisWasDown) {
                redisWasDown = false;
                const int requeued = reconcileRound(app_.db(), q, walk, now, g.reconcile_age_seconds);
                if (requeued) V2V_LOG(notice, "reconciler") << "re-queued " << requeued << " pending emails";
                // Redis lost some: the rest of the walk at once (a round a second).
                nextReconcile = requeued && walk.started ? now : now + g.reconcile_interval_seconds;
            }
        } catch (const RedisError& err) {
            if (!redisWasDown) V2V_LOG(warning, "scheduler") << err.what();
            redisWasDown = true;
        } catch (const std::exception& err) {
            V2V_LOG(error, "scheduler") << err.what();
        }
        sleepFor(stopping_, 1000);
    }
}

}  // namespace v2v::gw
