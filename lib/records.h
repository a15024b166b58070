// Shared writes on the mail records, used by the gateway, the bounce parser and
// v2vctl so that statuses, events, analytics and suppressions follow one set of
// rules. Every function runs inside the caller's transaction (none opens one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db.h"

namespace v2v {

// Email and recipient statuses (DESIGN.md "Statuses").
namespace status {
inline constexpr const char* queued = "queued";
inline constexpr const char* scheduled = "scheduled";
inline constexpr const char* submitted = "submitted";
inline constexpr const char* delivered = "delivered";
inline constexpr const char* deferred = "deferred";
inline constexpr const char* bounced = "bounced";
inline constexpr const char* failed = "failed";
inline constexpr const char* suppressed = "suppressed";
}  // namespace status

// The email's status from its recipients' statuses: the first of
// queued, scheduled, submitted, deferred, delivered, bounced, failed, suppressed
// present wins (pending states first; per-recipient detail is in recipients).
std::string aggregateStatus(const std::vector<std::string>& recipientStatuses);

// True for statuses after which nothing more happens to a recipient except
// late reports (delivered can still turn into bounced by a later DSN).
bool isFinalStatus(const std::string& s);

// "YYYY-MM-DD" (UTC) of a Unix time.
std::string utcDay(std::int64_t unixSeconds);

struct EmailRef {
    std::string id;
    std::string client_id;
    std::vector<std::string> tags;
};
// Looks up the email; nullopt if unknown.
std::optional<EmailRef> findEmail(Db& db, const std::string& emailId);

// Recompute emails.status from recipients (and updated_at).
void refreshEmailStatus(Db& db, const std::string& emailId);

struct RecipientUpdate {
    std::string status;
    std::optional<int> smtp_code;
    std::optional<std::string> smtp_status;    // enhanced code
    std::optional<std::string> smtp_response;  // reply text / diagnostic
    std::optional<std::string> bounce_reason;
};
// Returns false when there is no such recipient.
bool updateRecipient(Db& db, const std::string& emailId, int idx, const RecipientUpdate& u);

// events row; `dataJson` must be a JSON object text.
void addEvent(Db& db, const std::optional<std::string>& emailId, std::optional<int> recipientIdx,
              const std::string& clientId, const std::string& type, std::int64_t at,
              const std::string& dataJson = "{}");

// analytics counters: one row for the client ('' tag) and one per tag of the email.
void bumpAnalytics(Db& db, const std::string& clientId, const std::vector<std::string>& tags,
                   const std::string& metric, std::int64_t at, std::int64_t by = 1);

// Suppress `address` (lower-cased) for the client; keeps the first reason.
// Returns true when a new suppression was added.
bool addSuppression(Db& db, const std::string& clientId, const std::string& address,
                    const std::string& reason, const std::optional<std::string>& sourceEmailId,
                    std::int64_t at);
bool isSuppressed(Db& db, const std::string& clientId, const std::string& address);

std::string toLowerAscii(std::string s);

}  // namespace v2v
