// v2vctl command table: each command group lives in its own file (client_cmd.cc, ...).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config.h"

namespace v2v::ctl {

// Exit codes (sysexits): 0 ok, 64 usage, 65 bad data, 69 unavailable (not found),
// 75 temporary failure (database busy), 78 configuration error.
enum Exit { kOk = 0, kUsage = 64, kDataErr = 65, kNotFound = 69, kSoftware = 70, kTempFail = 75, kConfig = 78 };

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
};

const std::vector<Command>& commands();
void registerClientCommands(std::vector<Command>& out);
void registerConfigCommands(std::vector<Command>& out);

}  // namespace v2v::ctl
