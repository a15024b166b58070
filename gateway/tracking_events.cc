// The batching event writer (see tracking_events.h).
#include "tracking_events.h"

#include <arpa/inet.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "log.h"
#include "thread_name.h"

namespace v2v::gw {
namespace {

constexpr std::size_t kBatchTarget = 2000;     // write at once when this many are queued
constexpr std::size_t kMaxBatch = 20000;       // most hits in one transaction
constexpr std::size_t kCacheEntries = 100000;  // then the caches start over

bool inPrefix(const unsigned char* addr, const unsigned char* net, int bits) {
    for (int i = 0; i < bits / 8; ++i)
        if (addr[i] != net[i]) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (addr[bits / 8] & mask) == (net[bits / 8] & mask);
}

bool appleNetwork(std::string_view ip) {
    std::string s(ip);
    unsigned char a[16];
    if (inet_pton(AF_INET, s.c_str(), a) == 1) return a[0] == 17;  // 17.0.0.0/8
    static const unsigned char v6[16] = {0x26, 0x20, 0x01, 0x49};  // 2620:149::/32
    return inet_pton(AF_INET6, s.c_str(), a) == 1 && inPrefix(a, v6, 32);
}

const char* eventType(TokenKind k) { return k == TokenKind::click ? "clicked" : "opened"; }

std::string hitData(const TrackHit& h, bool first, const AgentClass& a) {
    nlohmann::json j;
    j["ip"] = h.ip;
    j["user_agent"] = h.user_agent.substr(0, 512);
    j["first"] = first;
    j["proxy"] = a.proxy.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.proxy);
    j["machine"] = a.machine;
    if (h.kind == TokenKind::click) j["url"] = h.url;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// analytics counters summed over a batch: (client, tags, day, metric) -> count.
using Counts = std::map<std::tuple<std::string, std::vector<std::string>, std::string, std::string>,
                        std::pair<std::int64_t, std::int64_t>>;  // (count, a time of that day)

void count(Counts& c, const std::string& client, const std::vector<std::string>& tags, std::int64_t at,
           const std::string& metric) {
    auto& slot = c[{client, tags, utcDay(at), metric}];
    ++slot.first;
    slot.second = at;
}

}  // namespace

AgentClass classifyAgent(std::string_view ua, std::string_view ip) {
    if (ua.find("GoogleImageProxy") != std::string_view::npos) return {"gmail", false};
    if (ua.find("YahooMailProxy") != std::string_view::npos) return {"yahoo", false};
    if (ua == "Mozilla/5.0") return {"apple_mpp", true};
    if (appleNetwork(ip)) return {"apple", true};
    return {};
}

std::optional<EmailRef> HitCache::email(Db& db, const std::string& id) {
    auto it = emails_.find(id);
    if (it != emails_.end()) return it->second;
    if (emails_.size() >= kCacheEntries) emails_.clear();
    auto ref = findEmail(db, id);
    emails_.emplace(id, ref);
    return ref;
}

bool HitCache::first(Db& db, const std::string& emailId, int idx, const char* type) {
    std::string key = emailId + "/" + std::to_string(idx) + "/" + type;
    if (seen_.count(key)) return false;
    if (seen_.size() >= kCacheEntries) seen_.clear();
    seen_.insert(key);
    // The type is a literal in the SQL so the partial index events_engagement applies.
    auto q = db.query(std::string("SELECT 1 FROM events WHERE email_id = ? AND recipient_idx = ? AND type = '") +
                      type + "' LIMIT 1");
    q->bind(1, emailId).bind(2, idx);
    return !q->step();
}

WriteResult writeHits(Db& db, const std::vector<TrackHit>& hits, HitCache& cache) {
    WriteResult r;
    Counts counts;
    Transaction tx(db);
    for (const auto& h : hits) {
        std::optional<EmailRef> email;
        if (!h.email_id.empty()) email = cache.email(db, h.email_id);
        const std::string& client = email ? email->client_id : h.client_id;
        if (client.empty()) {
            ++r.unattributed;
            continue;
        }
        static const std::vector<std::string> noTags;
        const std::vector<std::string>& tags = email ? email->tags : noTags;
        std::optional<std::string> eid = email ? std::optional<std::string>(email->id) : std::nullopt;
        std::optional<int> idx = email && h.recipient >= 0 ? std::optional<int>(h.recipient) : std::nullopt;
        const char* type = eventType(h.kind);
        bool first = eid && idx && cache.first(db, *eid, *idx, type);
        AgentClass a = classifyAgent(h.user_agent, h.ip);
        addEvent(db, eid, idx, client, type, h.at, hitData(h, first, a));
        count(counts, client, tags, h.at, type);
        if (first) count(counts, client, tags, h.at, std::string(type) + "_unique");
        if (a.machine && h.kind == TokenKind::open) count(counts, client, tags, h.at, "opened_machine");
        ++r.written;
    }
    for (const auto& [key, v] : counts)
        bumpAnalytics(db, std::get<0>(key), std::get<1>(key), std::get<3>(key), v.second, v.first);
    tx.commit();
    return r;
}

EventWriter::EventWriter(ConfigPtr cfg) : cfg_(std::move(cfg)) {
    queue_.reserve(kBatchTarget);
    thread_ = std::thread([this] { run(); });
}

EventWriter::~EventWriter() { stop(); }

bool EventWriter::submit(TrackHit h) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        // After stop() began, hits are still taken until the writer has exited
        // (it writes the queue dry first): only a closed writer refuses.
        if (closed_ || queue_.size() >= static_cast<std::size_t>(cfg_->tracking.queue_max_events)) {
            ++dropped;
            return false;
        }
        if (queue_.empty()) oldest_ = std::chrono::steady_clock::now();
        queue_.push_back(std::move(h));
        ++accepted;
        // Wake the writer for the first hit (it starts the flush interval) and a full batch.
        if (queue_.size() != 1 && queue_.size() != kBatchTarget) return true;
    }
    cv_.notify_one();
    return true;
}

void EventWriter::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    V2V_LOG(notice, "tracking") << "event writer stopped: " << accepted << " hits accepted, " << written
                                << " written, " << dropped << " dropped, " << unattributed << " unattributed";
}

void EventWriter::run() {
    nameThisThread("v2v-events");
    const auto interval = std::chrono::milliseconds(cfg_->tracking.flush_interval_ms);
    std::unique_ptr<Db> db;
    HitCache cache;
    std::vector<TrackHit> batch;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            // Wait for a full batch, the flush interval of the oldest hit, or stop.
            while (!stopping_ && (queue_.empty() || (queue_.size() < kBatchTarget &&
                                                     std::chrono::steady_clock::now() < oldest_ + interval))) {
                if (queue_.empty()) cv_.wait(lock);
                else cv_.wait_until(lock, oldest_ + interval);
            }
            if (queue_.empty() && stopping_) {
                closed_ = true;
                break;
            }
            if (queue_.size() <= kMaxBatch) {
                batch.swap(queue_);
            } else {
                batch.assign(std::make_move_iterator(queue_.begin()),
                             std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(kMaxBatch)));
                queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(kMaxBatch));
            }
            oldest_ = std::chrono::steady_clock::now();
        }
        try {
            if (!db) db = std::make_unique<Db>(cfg_->database);
            writeBatch(*db, cache, batch);
        } catch (const std::exception& e) {
            V2V_LOG(error, "tracking") << "database: " << e.what() << "; " << batch.size()
                                       << " opens/clicks not recorded";
            dropped += batch.size();
            db.reset();
        }
        batch.clear();
    }
}

// One batch, retried while the database is busy or unavailable (a transient
// error); given up only when stopping and the retries are spent.
void EventWriter::writeBatch(Db& db, HitCache& cache, std::vector<TrackHit>& batch) {
    for (int attempt = 1;; ++attempt) {
        try {
            WriteResult r = writeHits(db, batch, cache);
            written += r.written;
            unattributed += r.unattributed;
            if (r.unattributed)
                V2V_LOG(warning, "tracking") << r.unattributed << " hits for emails no longer in the database";
            return;
        } catch (const DbError& e) {
            bool stopping;
            {
                std::lock_guard<std::mutex> lock(mu_);
                stopping = stopping_;
            }
            if (!e.transient() || (stopping && attempt >= 50)) {
                dropped += batch.size();
                V2V_LOG(error, "tracking") << "database: " << e.what() << "; " << batch.size()
                                           << " opens/clicks not recorded";
                return;
            }
            if (attempt == 1) V2V_LOG(warning, "tracking") << "database: " << e.what() << "; retrying";
            cache = HitCache();  // the transaction rolled back: forget what it saw
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(100 * attempt, 2000)));
        }
    }
}

}  // namespace v2v::gw
