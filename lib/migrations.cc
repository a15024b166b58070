// Numbered schema migrations, applied in order inside one transaction and
// recorded in PRAGMA user_version. Never edit a released migration: append.
#include <string>
#include <vector>

#include "db.h"

namespace v2v {
namespace {

const std::vector<std::string>& migrations() {
    static const std::vector<std::string> m = {
        // 1: initial schema. Times are Unix seconds (UTC).
        R"SQL(
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,                       -- libsodium crypto_pwhash_str (Argon2id)
  scopes TEXT NOT NULL DEFAULT 'send read',        -- space separated: send templates read admin
  allowed_from_domains TEXT NOT NULL DEFAULT '',   -- space separated; '*' = any
  rate_per_second REAL NOT NULL DEFAULT 10,
  rate_burst INTEGER NOT NULL DEFAULT 100,
  max_message_bytes INTEGER NOT NULL DEFAULT 10485760,
  max_recipients INTEGER NOT NULL DEFAULT 50,
  track_opens INTEGER NOT NULL DEFAULT 0,
  track_clicks INTEGER NOT NULL DEFAULT 0,
  list_unsubscribe INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE emails (
  id TEXT PRIMARY KEY,                              -- ULID
  client_id TEXT NOT NULL REFERENCES clients(id),
  message_id TEXT NOT NULL,                         -- without angle brackets
  from_address TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  template_name TEXT,
  template_version INTEGER,
  tags TEXT NOT NULL DEFAULT '[]',
  metadata TEXT NOT NULL DEFAULT '{}',
  track_opens INTEGER NOT NULL DEFAULT 0,
  track_clicks INTEGER NOT NULL DEFAULT 0,
  send_at INTEGER,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  mime BLOB,                                        -- the message as injected (CRLF)
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX emails_client_created ON emails(client_id, created_at);
CREATE INDEX emails_message_id ON emails(message_id);
CREATE INDEX emails_pending ON emails(status) WHERE status IN ('queued', 'scheduled', 'deferred');
CREATE TABLE recipients (
  email_id TEXT NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  address TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'to',                  -- to | cc | bcc
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  smtp_code INTEGER,
  smtp_status TEXT,                                 -- enhanced status code, e.g. 5.1.1
  smtp_response TEXT,                               -- last reply or diagnostic
  bounce_reason TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (email_id, idx)
) WITHOUT ROWID;
CREATE INDEX recipients_address ON recipients(address);
CREATE TABLE templates (
  client_id TEXT NOT NULL REFERENCES clients(id),
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  text TEXT,
  html TEXT,
  deleted INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, name, version)
) WITHOUT ROWID;
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  email_id TEXT REFERENCES emails(id) ON DELETE CASCADE,
  recipient_idx INTEGER,
  client_id TEXT,
  type TEXT NOT NULL,                               -- submitted delivered deferred bounced complained opened clicked unsubscribed failed
  at INTEGER NOT NULL,
  data TEXT NOT NULL DEFAULT '{}'                   -- JSON
);
CREATE INDEX events_email ON events(email_id, at);
CREATE INDEX events_client_at ON events(client_id, at);
CREATE TABLE bounces (
  id INTEGER PRIMARY KEY,
  email_id TEXT REFERENCES emails(id) ON DELETE SET NULL,
  recipient_idx INTEGER,
  recipient TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,                               -- bounce | delay | delivery | complaint | autoreply | unknown
  action TEXT,
  status TEXT,
  reason TEXT,
  hard INTEGER,
  smtp_code INTEGER,
  diagnostic TEXT,
  report_digest TEXT NOT NULL,                      -- SHA-256 of the report: the same report records once
  raw BLOB,                                         -- the report, capped
  received_at INTEGER NOT NULL,
  UNIQUE (report_digest, recipient)
);
CREATE INDEX bounces_email ON bounces(email_id);
CREATE INDEX bounces_received ON bounces(received_at);
CREATE TABLE suppressions (
  client_id TEXT NOT NULL,
  address TEXT NOT NULL,                            -- lower case
  reason TEXT NOT NULL,                             -- hard_bounce | complaint | unsubscribed | manual
  source_email_id TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, address)
) WITHOUT ROWID;
CREATE TABLE analytics (
  day TEXT NOT NULL,                                -- YYYY-MM-DD, UTC
  client_id TEXT NOT NULL,
  tag TEXT NOT NULL DEFAULT '',                     -- '' = all mail of the client
  metric TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, client_id, tag, metric)
) WITHOUT ROWID;
)SQL",
        // 2: tracking (issue 5): is this the recipient's first open / first click?
        R"SQL(
CREATE INDEX events_engagement ON events(email_id, recipient_idx, type)
  WHERE type = 'opened' OR type = 'clicked';
)SQL",
        // 3: the reconciler walks pending emails oldest first from the index
        // alone (emails_pending made it read every pending row, MIME and all,
        // and sort them, every round). No query reads by message_id or by
        // recipient address: those two indexes only cost each send page writes
        // (recipients_address one random page per recipient).
        R"SQL(
DROP INDEX emails_pending;
DROP INDEX emails_message_id;
DROP INDEX recipients_address;
CREATE INDEX emails_pending_age ON emails(updated_at, id, status) WHERE status IN ('queued', 'scheduled', 'deferred');
)SQL",
    };
    return m;
}

int readVersion(Db& db) {
    Stmt s = db.prepare("PRAGMA user_version");
    return s.step() ? static_cast<int>(s.getInt(0)) : 0;
}

}  // namespace

int schemaVersion() { return static_cast<int>(migrations().size()); }

int migrate(Db& db) {
    int before = readVersion(db);
    if (before == schemaVersion()) return before;
    if (before > schemaVersion())
        throw DbError(db.path() + ": schema version " + std::to_string(before) +
                          " is newer than this program's " + std::to_string(schemaVersion()),
                      SQLITE_ERROR);
    Transaction tx(db);
    before = readVersion(db);  // another program may have migrated meanwhile
    for (int v = before; v < schemaVersion(); ++v) db.execScript(migrations()[static_cast<std::size_t>(v)]);
    db.execScript("PRAGMA user_version=" + std::to_string(schemaVersion()));
    tx.commit();
    return before;
}

}  // namespace v2v
