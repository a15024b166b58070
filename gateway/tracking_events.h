// Opens and clicks on their way to SQLite. A pixel or click request only
// queues a TrackHit (no database work on the HTTP thread); one writer thread
// drains the queue and records many hits per transaction: an `events` row
// each (opened / clicked, with IP, user agent, first-of-its-kind and proxy
// flags), and the `analytics` counters summed per day, client, tag and metric.
//
// Durability: a hit is answered before it is committed. stop() (the
// gateway's SIGTERM drain) writes everything queued first, so a clean
// shutdown loses nothing; a crash loses at most the hits of the last
// tracking.flush_interval_ms. A full queue (tracking.queue_max_events) drops
// hits, counted and logged, instead of growing without bound.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config.h"
#include "db.h"
#include "records.h"
#include "tracking_token.h"

namespace v2v::gw {

struct TrackHit {
    TokenKind kind = TokenKind::open;  // open or click
    std::string email_id;              // from the token ("" for SMTP mail without VERP)
    int recipient = -1;
    std::string client_id;             // from the token when email_id is ""
    std::string url;                   // click target
    std::int64_t at = 0;
    std::string ip;
    std::string user_agent;
};

// Known mail proxies and prefetchers (documented in docs/api/tracking.md):
//   apple_mpp  User-Agent exactly "Mozilla/5.0" (Apple Mail Privacy Protection
//              fetches every image at delivery with it): machine
//   apple      client in Apple's networks 17.0.0.0/8 or 2620:149::/32: machine
//   gmail      User-Agent holding "GoogleImageProxy" (fetched when the user opens)
//   yahoo      User-Agent holding "YahooMailProxy" (fetched when the user opens)
struct AgentClass {
    std::string proxy;     // "" = none known
    bool machine = false;  // fetched without the recipient opening the mail
};
AgentClass classifyAgent(std::string_view userAgent, std::string_view ip);

// Per-writer memory of emails and of recipients that already opened/clicked,
// so repeated hits skip those lookups. Bounded: cleared when full.
class HitCache {
public:
    std::optional<EmailRef> email(Db& db, const std::string& id);
    // True when this is the recipient's first hit of this kind (checks the events table).
    bool first(Db& db, const std::string& emailId, int idx, const char* type);

private:
    std::unordered_map<std::string, std::optional<EmailRef>> emails_;
    std::unordered_set<std::string> seen_;
};

struct WriteResult {
    std::size_t written = 0;
    std::size_t unattributed = 0;  // email no longer known and no client in the token
};

// Records the hits in one transaction (the caller's cache may be reused
// across calls). Throws DbError; nothing is written then.
WriteResult writeHits(Db& db, const std::vector<TrackHit>& hits, HitCache& cache);

class EventWriter {
public:
    explicit EventWriter(ConfigPtr cfg);
    ~EventWriter();
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;

    // Queues a hit; false when the queue is full or the writer has stopped
    // (the hit is dropped and counted; the caller must not claim it recorded).
    bool submit(TrackHit h);
    // Writes everything queued (also hits that arrive meanwhile), then stops
    // the thread; only then are submits refused.
    void stop();

    std::atomic<std::uint64_t> accepted{0}, written{0}, dropped{0}, unattributed{0};

private:
    ConfigPtr cfg_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<TrackHit> queue_;
    std::chrono::steady_clock::time_point oldest_;
    bool stopping_ = false;
    bool closed_ = false;  // the writer has exited: nothing more is written
    std::thread thread_;

    void run();
    void writeBatch(Db& db, HitCache& cache, std::vector<TrackHit>& batch);
};

}  // namespace v2v::gw
