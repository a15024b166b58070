// v2vctl command table: each command group lives in its own file (client_cmd.cc, ...).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config.h"

namespace v2v::ctl {

// Exit codes (sysexits): 0 ok, 64 usage, 65 bad data, 69 unavailable (not found),
// 70 internal error, 73 cannot write (audit log, output file), 75 temporary
// failure (database busy, Redis down), 78 configuration error.
enum Exit {
    kOk = 0, kUsage = 64, kDataErr = 65, kNotFound = 69, kSoftware = 70, kCantCreate = 73, kTempFail = 75, kConfig = 78
};

struct Context {
    ConfigPtr config;
    bool json = false;
};

struct Command {
    std::string group;   // "client"
    std::string name;    // "add"
    std::string usage;   // "ID [--name NAME] ..."
    std::string help;    // one line
    std::function<int(Context&, const std::vector<std::string>&)> run;
    bool readOnly = false;  // false: the command is written to the audit log (log.audit_file)
};

const std::vector<Command>& commands();
void registerClientCommands(std::vector<Command>& out);
void registerConfigCommands(std::vector<Command>& out);
// issue 7: operations commands (ctl/*_cmd.cc).
void registerTokenCommands(std::vector<Command>& out);
void registerDkimCommands(std::vector<Command>& out);
void registerSuppressionCommands(std::vector<Command>& out);
void registerDeadLetterCommands(std::vector<Command>& out);
void registerStatsCommands(std::vector<Command>& out);
void registerDbCommands(std::vector<Command>& out);

}  // namespace v2v::ctl
