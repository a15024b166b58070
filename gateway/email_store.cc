// SQLite statements of the send path (see email_store.h).
#include "email_store.h"

#include "records.h"

namespace v2v::gw {

void insertEmail(Db& db, const NewEmail& e, std::int64_t now) {
    db.cached(
          "INSERT INTO emails(id, client_id, message_id, from_address, subject, status, template_name, "
          "template_version, tags, metadata, track_opens, track_clicks, send_at, size_bytes, mime, created_at, "
          "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, e.id).bind(2, e.client_id).bind(3, e.message_id).bind(4, e.from_address).bind(5, e.subject)
        .bind(6, e.status).bind(7, e.template_name).bind(8, e.template_version).bind(9, e.tags_json)
        .bind(10, e.metadata_json).bind(11, e.track_opens).bind(12, e.track_clicks).bind(13, e.send_at)
        .bind(14, static_cast<std::int64_t>(e.mime.size())).bindBlob(15, e.mime).bind(16, now).bind(17, now)
        .exec();
    Stmt& r = db.cached(
        "INSERT INTO recipients(email_id, idx, address, kind, status, updated_at) VALUES (?,?,?,?,?,?)");
    for (std::size_t i = 0; i < e.recipients.size(); ++i) {
        const auto& rc = e.recipients[i];
        r.bind(1, e.id).bind(2, static_cast<int>(i)).bind(3, rc.address).bind(4, rc.kind).bind(5, rc.status).bind(6, now);
        r.exec();
        if (rc.status == status::suppressed)
            addEvent(db, e.id, static_cast<int>(i), e.client_id, "suppressed", now,
                     R"({"reason":"recipient is on the suppression list"})");
    }
}

void deleteEmail(Db& db, const std::string& id) {
    db.cached("DELETE FROM emails WHERE id = ?").bind(1, id).exec();
}

std::optional<EmailForInjection> loadForInjection(Db& db, const std::string& id) {
    auto s = db.query("SELECT id, client_id, mime, send_at FROM emails WHERE id = ?");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    EmailForInjection e;
    e.id = s->getText(0);
    e.client_id = s->getText(1);
    e.mime = s->getText(2);
    if (!s->isNull(3)) e.send_at = s->getInt(3);
    auto r = db.query(
        "SELECT idx, address, status, attempts FROM recipients WHERE email_id = ? "
        "AND status IN ('queued', 'scheduled', 'deferred') ORDER BY idx");
    r->bind(1, id);
    while (r->step())
        e.pending.push_back({static_cast<int>(r->getInt(0)), r->getText(1), r->getText(2), static_cast<int>(r->getInt(3))});
    return e;
}

void recordOutcome(Db& db, const std::string& emailId, const std::string& clientId, int idx, Outcome o,
                   int smtpCode, const std::string& enhanced, const std::string& reply, int attempts) {
    std::int64_t now = nowSeconds();
    Transaction tx(db);
    RecipientUpdate u;
    u.status = o == Outcome::submitted ? status::submitted : o == Outcome::failed ? status::failed : status::deferred;
    if (smtpCode) u.smtp_code = smtpCode;
    if (!enhanced.empty()) u.smtp_status = enhanced;
    u.smtp_response = reply.substr(0, 1000);
    updateRecipient(db, emailId, idx, u);
    db.cached("UPDATE recipients SET attempts = ? WHERE email_id = ? AND idx = ?")
        .bind(1, attempts).bind(2, emailId).bind(3, idx).exec();
    auto ref = findEmail(db, emailId);
    std::vector<std::string> tags = ref ? ref->tags : std::vector<std::string>{};
    const char* event = o == Outcome::submitted ? "submitted" : o == Outcome::failed ? "failed" : "deferred";
    std::string data = "{\"smtp_code\":" + std::to_string(smtpCode) + ",\"attempt\":" + std::to_string(attempts) + "}";
    addEvent(db, emailId, idx, clientId, event, now, data);
    bumpAnalytics(db, clientId, tags, o == Outcome::submitted ? "sent" : event, now);
    refreshEmailStatus(db, emailId);
    tx.commit();
}

std::vector<PendingEmail> pendingEmailsAfter(Db& db, const PendingCursor& after, std::int64_t olderThan, int limit) {
    std::vector<PendingEmail> out;
    // The status terms match emails_pending_age's WHERE, so it covers the query.
    auto s = db.query(
        "SELECT id, updated_at FROM emails WHERE status IN ('queued', 'scheduled', 'deferred') AND updated_at <= ? "
        "AND (updated_at, id) > (?, ?) ORDER BY updated_at, id LIMIT ?");
    s->bind(1, olderThan).bind(2, after.updated_at).bind(3, after.id).bind(4, limit);
    while (s->step()) out.push_back({s->getText(0), s->getInt(1)});
    return out;
}

}  // namespace v2v::gw
