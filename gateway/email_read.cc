// The email read model (see email_read.h).
#include "email_read.h"

#include <map>
#include <nlohmann/json.hpp>

#include "api_values.h"

namespace v2v::gw {
namespace {

using nlohmann::json;

json jsonText(const std::string& text, json fallback) {
    json j = json::parse(text, nullptr, false);
    return j.is_discarded() ? fallback : j;
}

json optText(const Stmt& s, int col) { return s.isNull(col) ? json(nullptr) : json(s.getText(col)); }
json optInt(const Stmt& s, int col) { return s.isNull(col) ? json(nullptr) : json(s.getInt(col)); }

// The latest bounce report about each recipient, by index.
std::map<std::int64_t, json> bouncesOf(Db& db, const std::string& id) {
    std::map<std::int64_t, json> out;
    Stmt s = db.prepare(
        "SELECT recipient_idx, reason, hard, status, smtp_code, diagnostic, received_at FROM bounces "
        "WHERE email_id = ? AND kind = 'bounce' AND recipient_idx IS NOT NULL ORDER BY received_at, id");
    s.bind(1, id);
    while (s.step())
        out[s.getInt(0)] = {{"reason", optText(s, 1)},
                            {"hard", s.isNull(2) ? json(nullptr) : json(s.getInt(2) != 0)},
                            {"status", optText(s, 3)},
                            {"smtp_code", optInt(s, 4)},
                            {"diagnostic", optText(s, 5)},
                            {"at", formatRfc3339(s.getInt(6))}};
    return out;
}

json recipientsOf(Db& db, const std::string& id, std::map<std::int64_t, std::string>& addressByIdx) {
    auto bounces = bouncesOf(db, id);
    json out = json::array();
    Stmt s = db.prepare(
        "SELECT idx, address, kind, status, attempts, smtp_code, smtp_status, smtp_response, bounce_reason, "
        "updated_at FROM recipients WHERE email_id = ? ORDER BY idx");
    s.bind(1, id);
    while (s.step()) {
        std::int64_t idx = s.getInt(0);
        addressByIdx[idx] = s.getText(1);
        auto b = bounces.find(idx);
        out.push_back({{"email", s.getText(1)},
                       {"kind", s.getText(2)},
                       {"status", s.getText(3)},
                       {"attempts", s.getInt(4)},
                       {"smtp_code", optInt(s, 5)},
                       {"smtp_status", optText(s, 6)},
                       {"smtp_response", optText(s, 7)},
                       {"bounce_reason", optText(s, 8)},
                       {"bounce", b == bounces.end() ? json(nullptr) : b->second},
                       {"updated_at", formatRfc3339(s.getInt(9))}});
    }
    return out;
}

json eventsOf(Db& db, const std::string& id, const std::map<std::int64_t, std::string>& addressByIdx, int max,
              bool& truncated) {
    json out = json::array();
    Stmt s = db.prepare("SELECT type, recipient_idx, at, data FROM events WHERE email_id = ? ORDER BY at, id LIMIT ?");
    s.bind(1, id).bind(2, max + 1);
    while (s.step()) {
        if (static_cast<int>(out.size()) == max) {
            truncated = true;
            break;
        }
        json recipient = nullptr;
        if (!s.isNull(1)) {
            auto a = addressByIdx.find(s.getInt(1));
            if (a != addressByIdx.end()) recipient = a->second;
        }
        out.push_back({{"type", s.getText(0)},
                       {"recipient", recipient},
                       {"at", formatRfc3339(s.getInt(2))},
                       {"data", jsonText(s.getText(3), json::object())}});
    }
    return out;
}

}  // namespace

std::optional<json> readEmail(Db& db, const std::string& clientId, const std::string& id, int maxEvents) {
    Stmt s = db.prepare(
        "SELECT id, message_id, from_address, subject, status, template_name, template_version, tags, metadata, "
        "track_opens, track_clicks, send_at, size_bytes, created_at, updated_at FROM emails "
        "WHERE id = ? AND client_id = ?");
    s.bind(1, id).bind(2, clientId);
    if (!s.step()) return std::nullopt;
    json e = {{"id", s.getText(0)},
              {"message_id", s.getText(1)},
              {"from", s.getText(2)},
              {"subject", s.getText(3)},
              {"status", s.getText(4)},
              {"template", s.isNull(5) ? json(nullptr)
                                       : json{{"name", s.getText(5)}, {"version", optInt(s, 6)}}},
              {"tags", jsonText(s.getText(7), json::array())},
              {"metadata", jsonText(s.getText(8), json::object())},
              {"track_opens", s.getInt(9) != 0},
              {"track_clicks", s.getInt(10) != 0},
              {"send_at", s.isNull(11) ? json(nullptr) : json(formatRfc3339(s.getInt(11)))},
              {"size_bytes", s.getInt(12)},
              {"created_at", formatRfc3339(s.getInt(13))},
              {"updated_at", formatRfc3339(s.getInt(14))}};
    std::map<std::int64_t, std::string> addressByIdx;
    e["recipients"] = recipientsOf(db, id, addressByIdx);
    bool truncated = false;
    e["events"] = eventsOf(db, id, addressByIdx, maxEvents, truncated);
    e["events_truncated"] = truncated;
    return e;
}

}  // namespace v2v::gw
