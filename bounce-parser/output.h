// JSON Lines output of --parse-only (DESIGN.md): one object per recipient,
// {"recipient","status","action","reason","hard","smtp_code","diagnostic","email_id"}.
#pragma once

#include <optional>
#include <string>

#include "parser.h"

namespace v2v::bounce {

std::string recordJsonLine(const BounceRecord& r, const std::optional<std::string>& emailId);

}  // namespace v2v::bounce
