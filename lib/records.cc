// Shared record rules (see records.h).
#include "records.h"

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

namespace v2v {

std::string toLowerAscii(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string aggregateStatus(const std::vector<std::string>& st) {
    static const char* order[] = {status::queued,    status::scheduled, status::submitted,
                                  status::deferred,  status::delivered, status::bounced,
                                  status::failed,    status::suppressed};
    for (const char* s : order)
        if (std::find(st.begin(), st.end(), s) != st.end()) return s;
    return st.empty() ? status::queued : st.front();
}

bool isFinalStatus(const std::string& s) {
    return s == status::delivered || s == status::bounced || s == status::failed ||
           s == status::suppressed;
}

std::string utcDay(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    struct tm tmv;
    gmtime_r(&tt, &tmv);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tmv);
    return buf;
}

namespace {
std::vector<std::string> parseTags(const std::string& text) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_array())
        for (const auto& t : j)
            if (t.is_string()) out.push_back(t.get<std::string>());
    return out;
}
}  // namespace

std::optional<EmailRef> findEmail(Db& db, const std::string& emailId) {
    auto s = db.query("SELECT id, client_id, tags FROM emails WHERE id = ?");
    s->bind(1, emailId);
    if (!s->step()) return std::nullopt;
    return EmailRef{s->getText(0), s->getText(1), parseTags(s->getText(2))};
}

void refreshEmailStatus(Db& db, const std::string& emailId) {
    std::vector<std::string> st;
    auto q = db.query("SELECT status FROM recipients WHERE email_id = ?");
    q->bind(1, emailId);
    while (q->step()) st.push_back(q->getText(0));
    if (st.empty()) return;
    db.cached("UPDATE emails SET status = ?, updated_at = ? WHERE id = ?")
        .bind(1, aggregateStatus(st))
        .bind(2, nowSeconds())
        .bind(3, emailId)
        .exec();
}

bool updateRecipient(Db& db, const std::string& emailId, int idx, const RecipientUpdate& u) {
    Stmt& s = db.cached(
        "UPDATE recipients SET status = ?, smtp_code = COALESCE(?, smtp_code), "
        "smtp_status = COALESCE(?, smtp_status), smtp_response = COALESCE(?, smtp_response), "
        "bounce_reason = COALESCE(?, bounce_reason), updated_at = ? WHERE email_id = ? AND idx = ?");
    s.bind(1, u.status).bind(2, u.smtp_code).bind(3, u.smtp_status).bind(4, u.smtp_response);
    s.bind(5, u.bounce_reason).bind(6, nowSeconds()).bind(7, emailId).bind(8, idx);
    s.exec();
    return db.changes() > 0;
}

void addEvent(Db& db, const std::optional<std::string>& emailId, std::optional<int> recipientIdx,
              const std::string& clientId, const std::string& type, std::int64_t at,
              const std::string& dataJson) {
    db.cached("INSERT INTO events(email_id, recipient_idx, client_id, type, at, data) VALUES (?,?,?,?,?,?)")
        .bind(1, emailId)
        .bind(2, recipientIdx)
        .bind(3, clientId)
        .bind(4, type)
        .bind(5, at)
        .bind(6, dataJson)
        .exec();
}

void bumpAnalytics(Db& db, const std::string& clientId, const std::vector<std::string>& tags,
                   const std::string& metric, std::int64_t at, std::int64_t by) {
    Stmt& s = db.cached(
        "INSERT INTO analytics(day, client_id, tag, metric, count) VALUES (?,?,?,?,?) "
        "ON CONFLICT(day, client_id, tag, metric) DO UPDATE SET count = count + excluded.count");
    std::string day = utcDay(at);
    std::vector<std::string> all{""};
    for (const auto& t : tags)
        if (!t.empty() && std::find(all.begin(), all.end(), t) == all.end()) all.push_back(t);
    for (const auto& tag : all) {
        s.bind(1, day).bind(2, clientId).bind(3, tag).bind(4, metric).bind(5, by);
        s.exec();
    }
}

bool addSuppression(Db& db, const std::string& clientId, const std::string& address,
                    const std::string& reason, const std::optional<std::string>& sourceEmailId,
                    std::int64_t at) {
    db.cached(
          "INSERT INTO suppressions(client_id, address, reason, source_email_id, created_at) "
          "VALUES (?,?,?,?,?) ON CONFLICT(client_id, address) DO NOTHING")
        .bind(1, clientId)
        .bind(2, toLowerAscii(address))
        .bind(3, reason)
        .bind(4, sourceEmailId)
        .bind(5, at)
        .exec();
    return db.changes() > 0;
}

bool isSuppressed(Db& db, const std::string& clientId, const std::string& address) {
    auto s = db.query("SELECT 1 FROM suppressions WHERE client_id = ? AND address = ?");
    s->bind(1, clientId).bind(2, toLowerAscii(address));
    return s->step();
}

}  // namespace v2v
