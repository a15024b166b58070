// Suppression list queries (see suppression_store.h).
#include "suppression_store.h"

#include <nlohmann/json.hpp>

#include "address.h"
#include "api_values.h"
#include "records.h"

namespace v2v::gw {

std::optional<std::string> suppressionKey(const std::string& address) {
    std::string out;
    if (address.size() > 320 || !normalizeAddress(address, out).empty()) return std::nullopt;
    return toLowerAscii(out);
}

namespace {
Suppression fromRow(const Stmt& s) {
    return {s.getText(0), s.getText(1), s.getOptText(2), s.getInt(3)};
}
}  // namespace

std::optional<Suppression> getSuppression(Db& db, const std::string& clientId, const std::string& key) {
    Stmt s = db.prepare(
        "SELECT address, reason, source_email_id, created_at FROM suppressions WHERE client_id = ? AND address = ?");
    s.bind(1, clientId).bind(2, key);
    if (!s.step()) return std::nullopt;
    return fromRow(s);
}

std::vector<Suppression> listSuppressions(Db& db, const std::string& clientId, const std::string& after, int limit) {
    Stmt s = db.prepare(
        "SELECT address, reason, source_email_id, created_at FROM suppressions WHERE client_id = ? AND address > ? "
        "ORDER BY address LIMIT ?");
    s.bind(1, clientId).bind(2, after).bind(3, limit);
    std::vector<Suppression> out;
    while (s.step()) out.push_back(fromRow(s));
    return out;
}

bool removeSuppression(Db& db, const std::string& clientId, const std::string& key) {
    db.prepare("DELETE FROM suppressions WHERE client_id = ? AND address = ?").bind(1, clientId).bind(2, key).exec();
    return db.changes() > 0;
}

bool clientSettableReason(const std::string& reason) { return reason == "manual" || reason == "unsubscribed"; }

nlohmann::json suppressionJson(const Suppression& s) {
    return {{"email", s.address},
            {"reason", s.reason},
            {"source_email_id", s.source_email_id ? nlohmann::json(*s.source_email_id) : nlohmann::json(nullptr)},
            {"created_at", formatRfc3339(s.created_at)}};
}

}  // namespace v2v::gw
