// The injection queue in Redis: a Stream with a consumer group (entries of a
// crashed worker are reclaimed), a sorted set of scheduled/retry sends moved to
// the stream when due (atomically, in Lua), and a dead-letter stream. A set
// holds the ids of emails in the stream and not yet acknowledged, so the
// reconciler can tell an email Redis still holds from one it lost.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "redis_client.h"

namespace v2v::gw {

// An email to queue now (no send_at) or schedule (send_at).
struct QueueItem {
    std::string email_id;
    std::optional<std::int64_t> send_at;
};

struct QueueEntry {
    std::string entry_id;  // stream entry id
    std::string email_id;
};

class InjectQueue {
public:
    explicit InjectQueue(Redis& r) : r_(r) {}

    void ensureGroup();
    void enqueue(const std::string& emailId);
    // Queues or schedules many emails in one round trip (pipelined).
    void enqueueMany(const std::vector<QueueItem>& items);
    // The same, running `whileWaiting` once while Redis works (see
    // Redis::pipeline); also when there is nothing to queue.
    void enqueueMany(const std::vector<QueueItem>& items, const std::function<void()>& whileWaiting);
    // Send later (scheduled send or retry); the member is the email id, so one
    // pending schedule per email (the earliest time wins).
    void schedule(const std::string& emailId, std::int64_t dueUnix);
    // Moves due scheduled sends to the stream; returns how many.
    int promoteDue(std::int64_t nowUnix, int max = 100);
    // Blocks up to blockMs for new entries (or returns pending ones of this consumer first).
    std::vector<QueueEntry> read(const std::string& consumer, int count, int blockMs);
    // Takes over entries idle longer than minIdleMs (their worker died).
    std::vector<QueueEntry> claimStale(const std::string& consumer, int minIdleMs, int count);
    // Acknowledges and deletes the entry; its email leaves the queued set.
    void ack(const QueueEntry& entry);
    // For each id: does Redis hold it (in the stream unacknowledged, or
    // scheduled)? One round trip.
    std::vector<bool> held(const std::vector<std::string>& emailIds);
    void deadLetter(const std::string& emailId, const std::string& reason);

    std::int64_t streamLength();
    std::int64_t scheduledCount();
    std::int64_t deadLetterCount();
    std::int64_t pendingCount();

    std::string streamKey() const { return r_.key("inject"); }
    std::string scheduledKey() const { return r_.key("scheduled"); }
    std::string deadKey() const { return r_.key("dead"); }
    std::string queuedKey() const { return r_.key("queued"); }
    static constexpr const char* kGroup = "injectors";

private:
    Redis& r_;
    std::vector<QueueEntry> parseEntries(const redisReply* arr);
};

}  // namespace v2v::gw
