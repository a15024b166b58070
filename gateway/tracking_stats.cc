// Tracking statistics and event listing (see tracking_stats.h).
#include "tracking_stats.h"

#include <cstdio>
#include <ctime>
#include <map>

#include "api_values.h"
#include "records.h"

namespace v2v::gw {
namespace {

using nlohmann::json;

// The metrics a stats object shows, in order.
const char* const kMetrics[] = {"sent",          "delivered",      "deferred",     "failed",
                                "bounced",       "bounced_hard",   "bounced_soft", "complained",
                                "opened",        "opened_unique",  "opened_machine", "clicked",
                                "clicked_unique", "unsubscribed"};

std::optional<std::int64_t> parseDay(const std::string& s) {
    int y, m, d;
    char tail;
    if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
        s[7] != '-' || m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
        return std::nullopt;
    struct tm t = {};
    t.tm_year = y - 1900;
    t.tm_mon = m - 1;
    t.tm_mday = d;
    std::int64_t secs = static_cast<std::int64_t>(timegm(&t));
    if (utcDay(secs) != s) return std::nullopt;  // 2026-02-31 and the like
    return secs;
}

json rate(std::int64_t num, std::int64_t den) {
    if (den <= 0) return nullptr;
    return static_cast<double>(static_cast<std::int64_t>(static_cast<double>(num) / static_cast<double>(den) * 10000.0 + 0.5)) /
           10000.0;
}

std::int64_t get(const std::map<std::string, std::int64_t>& m, const char* k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
}

}  // namespace

std::variant<StatsQuery, ApiError> parseStatsQuery(const std::optional<std::string>& from,
                                                   const std::optional<std::string>& to,
                                                   const std::optional<std::string>& tag,
                                                   const std::optional<std::string>& groupBy, std::int64_t now) {
    StatsQuery q;
    q.to = to ? *to : utcDay(now);
    auto toSecs = parseDay(q.to);
    if (!toSecs) return invalidField("to", "must be a date YYYY-MM-DD");
    q.from = from ? *from : utcDay(*toSecs - 29 * 86400);
    auto fromSecs = parseDay(q.from);
    if (!fromSecs) return invalidField("from", "must be a date YYYY-MM-DD");
    if (*fromSecs > *toSecs) return invalidField("from", "must not be after to");
    if (*toSecs - *fromSecs > 365 * 86400) return invalidField("from", "the range is at most 366 days");
    if (tag) {
        if (tag->empty() || tag->size() > 100) return invalidField("tag", "must be 1..100 characters");
        q.tag = *tag;
    }
    q.groupBy = groupBy ? *groupBy : "day";
    if (q.groupBy != "day" && q.groupBy != "tag" && q.groupBy != "none")
        return invalidField("group_by", "must be day, tag or none");
    if (q.groupBy == "tag" && tag) return invalidField("group_by", "group_by=tag cannot be combined with tag");
    return q;
}

json statsObject(const std::map<std::string, std::int64_t>& raw) {
    std::map<std::string, std::int64_t> m = raw;
    m["bounced"] = get(raw, "bounced_hard") + get(raw, "bounced_soft");
    json out = json::object();
    for (const char* k : kMetrics) out[k] = get(m, k);
    std::int64_t sent = get(m, "sent"), delivered = get(m, "delivered");
    out["rates"] = {{"delivery", rate(delivered, sent)},
                    {"bounce", rate(get(m, "bounced"), sent)},
                    {"complaint", rate(get(m, "complained"), delivered)},
                    {"open", rate(get(m, "opened_unique"), delivered)},
                    {"click", rate(get(m, "clicked_unique"), delivered)},
                    {"click_to_open", rate(get(m, "clicked_unique"), get(m, "opened_unique"))},
                    {"unsubscribe", rate(get(m, "unsubscribed"), delivered)}};
    return out;
}

json trackingStats(Db& db, const std::string& clientId, const StatsQuery& q) {
    std::map<std::string, std::int64_t> totals;
    std::map<std::string, std::map<std::string, std::int64_t>> groups;  // day or tag -> metric -> count
    bool byTag = q.groupBy == "tag";
    Stmt s = db.prepare(byTag ? "SELECT tag, metric, SUM(count) FROM analytics WHERE client_id = ? AND day >= ? "
                                "AND day <= ? AND tag != '' GROUP BY tag, metric"
                              : "SELECT day, metric, SUM(count) FROM analytics WHERE client_id = ? AND day >= ? "
                                "AND day <= ? AND tag = ? GROUP BY day, metric");
    s.bind(1, clientId).bind(2, q.from).bind(3, q.to);
    if (!byTag) s.bind(4, q.tag);
    while (s.step()) {
        std::int64_t n = s.getInt(2);
        groups[s.getText(0)][s.getText(1)] += n;
        if (!byTag) totals[s.getText(1)] += n;
    }
    if (byTag) {  // totals of all mail, not the sum over tags (a message may carry several)
        Stmt t = db.prepare("SELECT metric, SUM(count) FROM analytics WHERE client_id = ? AND day >= ? AND day <= ? "
                            "AND tag = '' GROUP BY metric");
        t.bind(1, clientId).bind(2, q.from).bind(3, q.to);
        while (t.step()) totals[t.getText(0)] = t.getInt(1);
    }
    json out = {{"client_id", clientId}, {"from", q.from}, {"to", q.to},
                {"tag", q.tag.empty() ? json(nullptr) : json(q.tag)}, {"group_by", q.groupBy},
                {"totals", statsObject(totals)}};
    json list = json::array();
    if (q.groupBy != "none")
        for (const auto& [key, metrics] : groups) {
            json g = statsObject(metrics);
            g[byTag ? "tag" : "day"] = key;
            list.push_back(std::move(g));
        }
    out["groups"] = std::move(list);
    return out;
}

std::vector<EventRow> listEvents(Db& db, const std::string& clientId, const EventQuery& q, const std::string& after,
                                 int limit) {
    std::int64_t afterAt = -1, afterId = -1;
    if (auto colon = after.find(':'); colon != std::string::npos) {
        try {
            afterAt = std::stoll(after.substr(0, colon));
            afterId = std::stoll(after.substr(colon + 1));
        } catch (const std::exception&) {
            afterAt = afterId = -1;
        }
    }
    Stmt s = db.prepare(
        "SELECT ev.id, ev.type, ev.email_id, ev.recipient_idx, r.address, ev.at, ev.data, "
        "COALESCE(em.tags, '[]'), COALESCE(em.metadata, '{}') FROM events ev "
        "LEFT JOIN recipients r ON r.email_id = ev.email_id AND r.idx = ev.recipient_idx "
        "LEFT JOIN emails em ON em.id = ev.email_id "
        "WHERE ev.client_id = ? AND ev.at >= ? AND NOT (ev.at = ? AND ev.id <= ?) "
        "AND (? IS NULL OR ev.type = ?) AND (? IS NULL OR ev.email_id = ?) "
        "AND (? IS NULL OR ev.at >= ?) AND (? IS NULL OR ev.at <= ?) "
        "ORDER BY ev.at, ev.id LIMIT ?");
    s.bind(1, clientId).bind(2, afterAt).bind(3, afterAt).bind(4, afterId);
    s.bind(5, q.type).bind(6, q.type).bind(7, q.email_id).bind(8, q.email_id);
    s.bind(9, q.since).bind(10, q.since).bind(11, q.until).bind(12, q.until).bind(13, limit);
    std::vector<EventRow> out;
    while (s.step()) {
        EventRow r;
        r.id = s.getInt(0);
        r.type = s.getText(1);
        r.email_id = s.getOptText(2);
        if (!s.isNull(3)) r.recipient_idx = s.getInt(3);
        r.recipient = s.getOptText(4);
        r.at = s.getInt(5);
        r.data = s.getText(6);
        r.tags = s.getText(7);
        r.metadata = s.getText(8);
        out.push_back(std::move(r));
    }
    return out;
}

std::string eventCursorKey(const EventRow& r) { return std::to_string(r.at) + ":" + std::to_string(r.id); }

json eventJson(const EventRow& r) {
    auto parsed = [](const std::string& text, json fallback) {
        json j = json::parse(text, nullptr, false);
        return j.is_discarded() ? fallback : j;
    };
    return {{"id", r.id},
            {"type", r.type},
            {"email_id", r.email_id ? json(*r.email_id) : json(nullptr)},
            {"recipient", r.recipient ? json(*r.recipient) : json(nullptr)},
            {"recipient_index", r.recipient_idx ? json(*r.recipient_idx) : json(nullptr)},
            {"at", formatRfc3339(r.at)},
            {"data", parsed(r.data, json::object())},
            {"tags", parsed(r.tags, json::array())},
            {"metadata", parsed(r.metadata, json::object())}};
}

}  // namespace v2v::gw
