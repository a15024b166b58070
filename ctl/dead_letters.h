// The dead-letter stream (<prefix>dead, fields email and reason) behind
// `v2vctl dlq`: list, replay (the email's failed recipients back to queued,
// the email back on the injection stream, the entry removed) and drop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db.h"
#include "redis_client.h"

namespace v2v::ctl {

struct DeadLetter {
    std::string entry_id;  // stream id, "<unix ms>-<n>"
    std::string email_id;
    std::string reason;
    std::int64_t at_ms = 0;
};

// The recipient index of an injector reason "recipient N: <reply>", if any.
std::optional<int> recipientOfReason(const std::string& reason);

// Oldest first, at most `limit` (0 = all); `after` = an entry id to start after ("" = from the start).
std::vector<DeadLetter> listDeadLetters(gw::Redis& r, int limit, const std::string& after = "");
std::optional<DeadLetter> findDeadLetter(gw::Redis& r, const std::string& entryId);

// Sets the email's failed recipients (only `idx` when given) back to queued
// with attempts 0, in one transaction. Returns how many; -1 when the email is unknown.
int requeueFailedRecipients(Db& db, const std::string& emailId, std::optional<int> idx);

// Replays one entry: database first, then XADD to the injection stream, then XDEL.
// Returns the recipients re-queued (-1: unknown email; the entry is kept).
int replayDeadLetter(Db& db, gw::Redis& r, const DeadLetter& d);
void dropDeadLetter(gw::Redis& r, const std::string& entryId);

}  // namespace v2v::ctl
