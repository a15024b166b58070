// Helpers shared by v2vctl's command files: database and Redis handles for a
// command, JSON/text output, and the audit record of a command.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "db.h"

namespace v2v::ctl {

// The configured database, migrated to this build's schema.
Db openDatabase(const Context& ctx);

// Prints `j` as one JSON line.
void printJson(const nlohmann::json& j);

// The audit-log record of one v2vctl command; option values whose name says
// secret, password or token are replaced by "(redacted)".
nlohmann::ordered_json commandAuditRecord(const std::string& group, const std::string& name,
                                          const std::vector<std::string>& args, int status);
// Who ran v2vctl: the login name of the real uid, and SUDO_USER when set.
std::string invokingUser();

}  // namespace v2v::ctl
