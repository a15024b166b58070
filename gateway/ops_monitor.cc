// Background refresh of the database and queue metrics (see ops_monitor.h).
#include "ops_monitor.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <memory>

#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "smtp_probe.h"
#include "thread_name.h"

namespace v2v::gw {
namespace {

const char* const kDeliveryEvents[] = {"submitted", "delivered", "deferred",   "bounced",
                                       "failed",    "complained", "suppressed", "auto_replied"};
const char* const kTrackingEvents[] = {"opened", "clicked", "unsubscribed"};

bool isTracking(const std::string& type) {
    for (const char* t : kTrackingEvents)
        if (type == t) return true;
    return false;
}

struct Families {
    prometheus::Family<prometheus::Counter>& delivery;
    prometheus::Family<prometheus::Counter>& tracking;
    prometheus::Family<prometheus::Counter>& bounces;
    prometheus::Family<prometheus::Gauge>& queue;
    prometheus::Family<prometheus::Gauge>& up;
    prometheus::Gauge& ready;
    prometheus::Gauge& lastRefresh;
    prometheus::Counter& errors;
};

Families& families() {
    static Families f = [] {
        auto& r = *metrics::registry();
        auto& delivery = prometheus::BuildCounter()
                             .Name("v2v_delivery_events_total")
                             .Help("Delivery events recorded in the database since the gateway started, by "
                                   "client and event.")
                             .Register(r);
        auto& tracking = prometheus::BuildCounter()
                             .Name("v2v_tracking_events_total")
                             .Help("Opens, clicks and unsubscribes recorded since the gateway started.")
                             .Register(r);
        auto& bounces = prometheus::BuildCounter()
                            .Name("v2v_bounces_total")
                            .Help("Bounce reports recorded since the gateway started, by reason and hard/soft.")
                            .Register(r);
        auto& queue = prometheus::BuildGauge()
                          .Name("v2v_queue_depth")
                          .Help("Emails in the Redis queues: inject (stream), scheduled, dead_letter, pending "
                                "(taken by a worker, not yet acknowledged).")
                          .Register(r);
        auto& up = prometheus::BuildGauge()
                       .Name("v2v_dependency_up")
                       .Help("1 when the dependency answered at the last refresh (sqlite, redis, postfix).")
                       .Register(r);
        auto& ready = prometheus::BuildGauge()
                          .Name("v2v_gateway_ready")
                          .Help("1 when every dependency is up and the gateway is not draining.")
                          .Register(r)
                          .Add({});
        auto& last = prometheus::BuildGauge()
                         .Name("v2v_monitor_last_refresh_timestamp_seconds")
                         .Help("When the database and queue metrics were last refreshed.")
                         .Register(r)
                         .Add({});
        auto& errors = prometheus::BuildCounter()
                           .Name("v2v_monitor_refresh_errors_total")
                           .Help("Refreshes of the database or queue metrics that failed.")
                           .Register(r)
                           .Add({});
        for (const char* t : kTrackingEvents) tracking.Add({{"event", t}});
        for (const char* q : {"inject", "scheduled", "dead_letter", "pending"}) queue.Add({{"queue", q}});
        for (const char* d : {"sqlite", "redis", "postfix"}) up.Add({{"dependency", d}});
        return Families{delivery, tracking, bounces, queue, up, ready, last, errors};
    }();
    return f;
}

prometheus::Counter& deliveryCounter(Families& f, const std::string& client, const std::string& event) {
    for (const char* ev : kDeliveryEvents) f.delivery.Add({{"client", client}, {"event", ev}});
    return f.delivery.Add({{"client", client}, {"event", event}});
}

std::int64_t maxId(Db& db, const char* table) {
    Stmt s = db.prepare(std::string("SELECT COALESCE(MAX(id), 0) FROM ") + table);
    return s.step() ? s.getInt(0) : 0;
}

}  // namespace

DeliveryDelta DeliveryCursor::poll(Db& db) {
    DeliveryDelta d;
    std::int64_t ev = maxId(db, "events"), bo = maxId(db, "bounces");
    if (events_ < 0) {
        events_ = ev;
        bounces_ = bo;
        return d;
    }
    // Fewer rows than before: the newest were pruned and ids may be reused.
    if (ev < events_) events_ = 0;
    if (bo < bounces_) bounces_ = 0;
    Stmt e = db.prepare(
        "SELECT type, COALESCE(client_id, ''), COUNT(*) FROM events WHERE id > ? AND id <= ? GROUP BY 1, 2");
    e.bind(1, events_).bind(2, ev);
    while (e.step()) d.events[{e.getText(0), e.getText(1)}] += e.getInt(2);
    Stmt b = db.prepare(
        "SELECT COALESCE(reason, ''), hard, COUNT(*) FROM bounces WHERE id > ? AND id <= ? AND kind = 'bounce' "
        "GROUP BY 1, 2");
    b.bind(1, bounces_).bind(2, bo);
    while (b.step()) {
        std::string type = b.isNull(1) ? "unknown" : (b.getInt(1) ? "hard" : "soft");
        d.bounces[{b.getText(0), type}] += b.getInt(2);
    }
    events_ = ev;
    bounces_ = bo;
    return d;
}

Monitor::Monitor(App& app) : app_(app) { families(); }

void Monitor::start() {
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void Monitor::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Monitor::loop() {
    nameThisThread("v2v-monitor");
    std::unique_ptr<Db> db;  // opened in the loop: a database that cannot be opened yet is retried
    Redis redis(app_.config().redis);
    const auto period = std::chrono::seconds(app_.config().gateway.metrics_refresh_seconds);
    bool openFailed = false;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        try {
            if (!db) db = std::make_unique<Db>(app_.config().database);
            openFailed = false;
        } catch (const std::exception& e) {
            if (!openFailed) V2V_LOG(warning, "monitor") << "database: " << e.what() << " (retrying)";
            openFailed = true;
        }
        if (db) refresh(*db, redis);
        lock.lock();
        cv_.wait_for(lock, period, [this] { return stopping_; });
    }
}

void Monitor::refresh(Db& db, Redis& redis) {
    Families& f = families();
    bool sqliteOk = false, redisOk = false, failed = false;
    try {
        // A client's series appear with its first event, all of its events at once
        // (0 for the others), so ratios such as bounced / submitted exist from then on.
        DeliveryDelta d = cursor_.poll(db);
        for (const auto& [key, n] : d.events) {
            const std::string& type = key.first;
            if (isTracking(type))
                f.tracking.Add({{"event", type}}).Increment(static_cast<double>(n));
            else
                deliveryCounter(f, metrics::safeLabel(key.second, "none"), metrics::safeLabel(type))
                    .Increment(static_cast<double>(n));
        }
        for (const auto& [key, n] : d.bounces)
            f.bounces.Add({{"reason", metrics::safeLabel(key.first, "unknown")}, {"type", key.second}})
                .Increment(static_cast<double>(n));
        sqliteOk = true;
    } catch (const std::exception& e) {
        failed = true;
        V2V_LOG(warning, "monitor") << "database metrics: " << e.what();
    }
    try {
        InjectQueue q(redis);
        f.queue.Add({{"queue", "inject"}}).Set(static_cast<double>(q.streamLength()));
        f.queue.Add({{"queue", "scheduled"}}).Set(static_cast<double>(q.scheduledCount()));
        f.queue.Add({{"queue", "dead_letter"}}).Set(static_cast<double>(q.deadLetterCount()));
        f.queue.Add({{"queue", "pending"}}).Set(static_cast<double>(q.pendingCount()));
        redisOk = true;
    } catch (const std::exception& e) {
        failed = true;
        V2V_LOG(warning, "monitor") << "queue metrics: " << e.what();
    }
    bool postfixOk = checkSmtp(app_.config().gateway.smtp).empty();
    f.up.Add({{"dependency", "sqlite"}}).Set(sqliteOk);
    f.up.Add({{"dependency", "redis"}}).Set(redisOk);
    f.up.Add({{"dependency", "postfix"}}).Set(postfixOk);
    f.ready.Set(sqliteOk && redisOk && postfixOk && !app_.draining);
    if (failed) f.errors.Increment();
    f.lastRefresh.Set(static_cast<double>(nowSeconds()));
}

}  // namespace v2v::gw
