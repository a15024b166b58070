// JSON Lines output of --parse-only (DESIGN.md): one object per recipient,
// {"recipient","status","action","reason","hard","smtp_code","diagnostic","email_id"}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "parser.h"

namespace v2v::bounce {

// The record's fields as a JSON object, in the order above (without email_id).
nlohmann::ordered_json recordJson(const BounceRecord& r);

std::string recordJsonLine(const BounceRecord& r, const std::optional<std::string>& emailId);

}  // namespace v2v::bounce
