// SQLite side of the send path: an accepted email and its recipients are
// written in one transaction; the injector reads them back and records each
// recipient's SMTP outcome (statuses, events, analytics via lib/records.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db.h"

namespace v2v::gw {

struct NewRecipient {
    std::string address;
    std::string kind;    // to | cc | bcc
    std::string status;  // queued | scheduled | suppressed
};

struct NewEmail {
    std::string id;
    std::string client_id;
    std::string message_id;
    std::string from_address;
    std::string subject;
    std::string status;  // aggregate of recipients
    std::optional<std::string> template_name;
    std::optional<int> template_version;
    std::string tags_json = "[]";
    std::string metadata_json = "{}";
    bool track_opens = false;
    bool track_clicks = false;
    std::optional<std::int64_t> send_at;
    std::string mime;
    std::vector<NewRecipient> recipients;
};

// Inserts email + recipients (+ a "suppressed" event per suppressed recipient);
// must run inside the caller's Transaction.
void insertEmail(Db& db, const NewEmail& e, std::int64_t now);
// Removes an email accepted moments ago whose queueing failed (nothing half-done).
void deleteEmail(Db& db, const std::string& id);

struct PendingRecipient {
    int idx = 0;
    std::string address;
    std::string status;
    int attempts = 0;
};

struct EmailForInjection {
    std::string id;
    std::string client_id;
    std::string mime;
    std::optional<std::int64_t> send_at;
    std::vector<PendingRecipient> pending;  // recipients still to submit (queued/scheduled/deferred)
};
std::optional<EmailForInjection> loadForInjection(Db& db, const std::string& id);

enum class Outcome { submitted, failed, deferred };
// Records one recipient's SMTP outcome in its own transaction.
void recordOutcome(Db& db, const std::string& emailId, const std::string& clientId, int idx, Outcome o,
                   int smtpCode, const std::string& enhanced, const std::string& reply, int attempts);

// The reconciler's walk over the emails SQLite says are waiting to be
// injected, in (updated_at, id) order; the default is the start.
struct PendingCursor {
    std::int64_t updated_at = -1;
    std::string id;
};
struct PendingEmail {
    std::string id;
    std::int64_t updated_at = 0;
};
// Up to `limit` waiting emails last updated at or before `olderThan`, after
// `after`; read from an index alone (cheap with any backlog).
std::vector<PendingEmail> pendingEmailsAfter(Db& db, const PendingCursor& after, std::int64_t olderThan, int limit);

}  // namespace v2v::gw
