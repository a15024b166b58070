// Reads behind GET /api/v1/tracking/stats and GET /api/v1/tracking/events
// (no HTTP here). Stats come from the `analytics` counters (written by the
// injector, the bounce parser and the tracking event writer), always for one
// client: sent, delivered, bounced (hard + soft), complained, opened,
// clicked (total and unique), unsubscribed, and the rates derived from them.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api_error.h"
#include "db.h"

namespace v2v::gw {

struct StatsQuery {
    std::string from, to;  // YYYY-MM-DD, inclusive
    std::string tag;       // "" = all mail of the client
    std::string groupBy;   // day | tag | none
};

// ?from= ?to= (YYYY-MM-DD; default the 30 days up to today, UTC; at most 366
// days), ?tag=, ?group_by= (day, tag or none; default day). 422 naming the field.
std::variant<StatsQuery, ApiError> parseStatsQuery(const std::optional<std::string>& from,
                                                   const std::optional<std::string>& to,
                                                   const std::optional<std::string>& tag,
                                                   const std::optional<std::string>& groupBy, std::int64_t now);

// {client_id, from, to, tag, group_by, totals:{...metrics, rates}, groups:[{day|tag, ...}]}
nlohmann::json trackingStats(Db& db, const std::string& clientId, const StatsQuery& q);

// Counters of one group plus the rates ("rates" holds null where the
// denominator is 0): delivery = delivered/sent, bounce = bounced/sent,
// complaint = complained/delivered, open = opened_unique/delivered,
// click = clicked_unique/delivered, click_to_open = clicked_unique/opened_unique,
// unsubscribe = unsubscribed/delivered.
nlohmann::json statsObject(const std::map<std::string, std::int64_t>& metrics);

struct EventQuery {
    std::optional<std::string> type;      // an event type
    std::optional<std::string> email_id;
    std::optional<std::int64_t> since, until;  // Unix seconds, inclusive
};

struct EventRow {
    std::int64_t id = 0;
    std::string type;
    std::optional<std::string> email_id;
    std::optional<std::int64_t> recipient_idx;
    std::optional<std::string> recipient;  // address, when known
    std::int64_t at = 0;
    std::string data;      // JSON text
    std::string tags;      // JSON text of the email's tags ("[]" when none)
    std::string metadata;  // JSON text of the email's metadata ("{}" when none)
};

// The client's events in (at, id) order after the cursor key "at:id" ("" =
// from the start), at most `limit` rows.
std::vector<EventRow> listEvents(Db& db, const std::string& clientId, const EventQuery& q, const std::string& after,
                                 int limit);
std::string eventCursorKey(const EventRow& r);  // "at:id"
nlohmann::json eventJson(const EventRow& r);

}  // namespace v2v::gw
