// Report recording (see store.h).
#include "store.h"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "log.h"
#include "output.h"
#include "records.h"
#include "text.h"

namespace v2v::bounce {
namespace {

struct RecipientRow {
    int idx = 0;
    std::string address;
    std::string status;
};

std::vector<RecipientRow> recipientsOf(Db& db, const std::string& emailId) {
    std::vector<RecipientRow> rows;
    Stmt s = db.prepare("SELECT idx, address, status FROM recipients WHERE email_id = ? ORDER BY idx");
    s.bind(1, emailId);
    while (s.step()) rows.push_back({static_cast<int>(s.getInt(0)), s.getText(1), s.getText(2)});
    return rows;
}

const RecipientRow* rowByIndex(const std::vector<RecipientRow>& rows, int idx) {
    for (const auto& r : rows)
        if (r.idx == idx) return &r;
    return nullptr;
}

const RecipientRow* rowByAddress(const std::vector<RecipientRow>& rows, const std::string& address) {
    std::string a = toLowerAscii(address);
    for (const auto& r : rows)
        if (toLowerAscii(r.address) == a) return &r;
    return nullptr;
}

// Which recipient row a record is about: the VERP/ENVID index when the
// report is about one recipient (or names that row's address), else the
// address, else the only recipient.
const RecipientRow* resolveRow(const std::vector<RecipientRow>& rows, const Candidate& c, const BounceRecord* r,
                               std::size_t records) {
    const RecipientRow* byIdx = c.index ? rowByIndex(rows, *c.index) : nullptr;
    if (byIdx && (records <= 1 || !r || toLowerAscii(r->recipient) == toLowerAscii(byIdx->address))) return byIdx;
    if (r)
        if (const RecipientRow* byAddr = rowByAddress(rows, r->recipient)) return byAddr;
    if (byIdx) return byIdx;
    return rows.size() == 1 ? &rows.front() : nullptr;
}

const char* bounceKind(const std::string& event) {
    if (event == "bounced") return "bounce";
    if (event == "deferred") return "delay";
    if (event == "delivered") return "delivery";
    if (event == "complained") return "complaint";
    if (event == "auto_replied") return "autoreply";
    return "unknown";
}

std::string metricOf(const std::string& event, const BounceRecord& r) {
    if (event == "bounced") return r.hard.value_or(false) ? "bounced_hard" : "bounced_soft";
    return event;  // deferred, delivered, complained, auto_replied
}

std::string eventData(const BounceRecord& r, const std::string& source) {
    nlohmann::ordered_json j = recordJson(r);
    j["diagnostic"] = r.diagnostic.substr(0, 1000);
    if (!r.feedbackType.empty()) j["feedback_type"] = r.feedbackType;
    j["correlated_by"] = source;
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The recipient's new status for an event, or nullopt to leave it alone.
std::optional<std::string> nextStatus(const std::string& event, const std::string& current) {
    if (event == "bounced") return std::string(status::bounced);
    if (event == "deferred") {
        if (isFinalStatus(current)) return std::nullopt;  // never back from a final status
        return std::string(status::deferred);
    }
    if (event == "delivered") {
        if (current == status::bounced || current == status::failed || current == status::suppressed)
            return std::nullopt;
        return std::string(status::delivered);
    }
    return std::nullopt;  // complaints and auto-replies do not change the delivery status
}

void applyToRecipient(Db& db, const EmailRef& email, const RecipientRow& row, const BounceRecord& r,
                      const std::string& event, const std::string& source, std::int64_t now) {
    if (auto st = nextStatus(event, row.status)) {
        RecipientUpdate u;
        u.status = *st;
        u.smtp_code = r.smtpCode;
        if (!r.status.empty()) u.smtp_status = r.status;
        if (!r.diagnostic.empty()) u.smtp_response = r.diagnostic;
        if (event == "bounced") u.bounce_reason = r.reason;
        updateRecipient(db, email.id, row.idx, u);
    }
    addEvent(db, email.id, row.idx, email.client_id, event, now, eventData(r, source));
    bumpAnalytics(db, email.client_id, email.tags, metricOf(event, r), now);
    if (event == "bounced" && r.hard.value_or(false))
        addSuppression(db, email.client_id, row.address, "hard_bounce", email.id, now);
    if (event == "complained") addSuppression(db, email.client_id, row.address, "complaint", email.id, now);
}

}  // namespace

std::string reportDigest(std::string_view raw) {
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    static const char hex[] = "0123456789abcdef";
    std::string s;
    for (unsigned char c : out) {
        s += hex[c >> 4];
        s += hex[c & 15];
    }
    return s;
}

StoreResult storeReport(Db& db, std::string_view raw, const ParsedReport& report,
                        const std::vector<Candidate>& candidates, const StoreOptions& o) {
    StoreResult result;
    std::string digest = reportDigest(raw);
    std::string_view capped = raw.substr(0, o.rawCapBytes);
    Transaction tx(db);
    std::optional<EmailRef> email;
    Candidate chosen;
    for (const auto& c : candidates) {
        if ((email = findEmail(db, c.emailId))) {
            chosen = c;
            break;
        }
    }
    std::vector<RecipientRow> rows;
    if (email) {
        rows = recipientsOf(db, email->id);
        result.emailId = email->id;
    }
    Stmt insert = db.prepare(
        "INSERT INTO bounces(email_id, recipient_idx, recipient, kind, action, status, reason, hard, smtp_code, "
        "diagnostic, report_digest, raw, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(report_digest, recipient) DO NOTHING");
    auto insertRow = [&](const BounceRecord* r, const RecipientRow* row, const char* kind) {
        insert.reset();
        insert.bind(1, email ? std::optional<std::string>(email->id) : std::nullopt);
        insert.bind(2, row ? std::optional<int>(row->idx) : std::nullopt);
        insert.bind(3, r ? r->recipient : std::string());
        insert.bind(4, kind);
        if (r) {
            insert.bind(5, r->action).bind(6, r->status).bind(7, r->reason);
            if (r->hard) insert.bind(8, *r->hard); else insert.bindNull(8);
            insert.bind(9, r->smtpCode).bind(10, r->diagnostic);
        } else {
            for (int i = 5; i <= 10; ++i) insert.bindNull(i);
        }
        insert.bind(11, digest);
        if (capped.empty()) insert.bindNull(12); else insert.bindBlob(12, capped);
        insert.bind(13, o.now);
        insert.exec();
        return db.changes() > 0;
    };
    if (report.records.empty()) {
        // Unreadable or without recipients: stored for the record, nothing else changes.
        if (insertRow(nullptr, nullptr, "unknown")) ++result.recorded; else ++result.duplicates;
    }
    for (const auto& r : report.records) {
        const RecipientRow* row = email ? resolveRow(rows, chosen, &r, report.records.size()) : nullptr;
        std::string event = eventKind(r);
        if (!insertRow(&r, row, bounceKind(event))) {
            ++result.duplicates;
            continue;
        }
        ++result.recorded;
        if (email && row) applyToRecipient(db, *email, *row, r, event, chosen.source, o.now);
    }
    if (email) refreshEmailStatus(db, email->id);
    tx.commit();
    return result;
}

}  // namespace v2v::bounce
