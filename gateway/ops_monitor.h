// Metrics the gateway reads from SQLite and Redis in a background thread,
// every gateway.metrics_refresh_seconds (a scrape never queries anything):
//   v2v_delivery_events_total{client,event}  submitted delivered deferred bounced
//                                            failed complained suppressed auto_replied
//   v2v_tracking_events_total{event}         opened clicked unsubscribed
//   v2v_bounces_total{reason,type}           type hard | soft | unknown (Sisimai reason)
//   v2v_queue_depth{queue}                   inject, scheduled, dead_letter, pending
//   v2v_dependency_up{dependency}            sqlite, redis, postfix (1/0)
//   v2v_gateway_ready                        1 when all three are up and not draining
//   v2v_monitor_last_refresh_timestamp_seconds, v2v_monitor_refresh_errors_total
//
// No full scan: the counters follow the events and bounces tables by their
// integer primary key (rows after the last id seen; a range scan of the new
// rows only). They count what was recorded since this gateway started, from
// every writer (gateway, bounce parser, tracking) — Prometheus counters
// starting at 0 with the process; use rate()/increase(). With several
// gateways on one database each reports the same totals: aggregate with max.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "app.h"

namespace v2v::gw {

// Counts of new rows in events and bounces since the previous poll.
struct DeliveryDelta {
    std::map<std::pair<std::string, std::string>, std::int64_t> events;   // (type, client) → n
    std::map<std::pair<std::string, std::string>, std::int64_t> bounces;  // (reason, hard|soft|unknown) → n
};

class DeliveryCursor {
public:
    // The first poll only remembers where the tables end (returns nothing).
    DeliveryDelta poll(Db& db);
    std::int64_t eventsCursor() const { return events_; }

private:
    std::int64_t events_ = -1, bounces_ = -1;
};

class Monitor {
public:
    explicit Monitor(App& app);
    ~Monitor() { stop(); }
    void start();
    void stop();
    // One refresh; the thread calls it every period (tests call it directly).
    void refresh(Db& db, Redis& redis);

private:
    App& app_;
    DeliveryCursor cursor_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;

    void loop();
};

}  // namespace v2v::gw
