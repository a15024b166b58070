// Reading and editing a client's suppression list (table `suppressions`;
// lib/records.h adds entries for bounces and complaints). Addresses are
// normalised the way the send path checks them: IDN domain → punycode, then
// lower-cased as a whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "db.h"

namespace v2v::gw {

struct Suppression {
    std::string address;
    std::string reason;  // hard_bounce | complaint | unsubscribed | manual
    std::optional<std::string> source_email_id;
    std::int64_t created_at = 0;
};

// The stored form of `address`, or nullopt when it is not a valid address.
std::optional<std::string> suppressionKey(const std::string& address);

std::optional<Suppression> getSuppression(Db& db, const std::string& clientId, const std::string& key);
// Entries whose address sorts after `after`, at most `limit`.
std::vector<Suppression> listSuppressions(Db& db, const std::string& clientId, const std::string& after, int limit);
// False when there was no such entry.
bool removeSuppression(Db& db, const std::string& clientId, const std::string& key);

// Reasons a client may give to POST /suppressions (the others come from reports).
bool clientSettableReason(const std::string& reason);

nlohmann::json suppressionJson(const Suppression& s);

}  // namespace v2v::gw
