// The daemon: the milter engine (engine.h) in a thread, signals in the main
// thread (SIGHUP reloads, SIGTERM/SIGINT stop). Returns the exit status.
#pragma once

#include <string>

#include "config.h"

namespace v2v::milter {

int runDaemon(const std::string& configFile, ConfigPtr config);

}  // namespace v2v::milter
