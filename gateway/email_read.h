// GET /email/{id} without HTTP: one email of one client as the API shows it
// (status, template, tags, metadata, recipients with their own status, SMTP
// reply and bounce, and the event history). Read-only SQL.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "db.h"

namespace v2v::gw {

inline constexpr int kMaxEventsShown = 1000;

// nullopt when there is no such email or it belongs to another client.
std::optional<nlohmann::json> readEmail(Db& db, const std::string& clientId, const std::string& id,
                                        int maxEvents = kMaxEventsShown);

}  // namespace v2v::gw
