// The daemon: libmilter socket and loop in a thread, signals in the main
// thread (SIGHUP reloads, SIGTERM/SIGINT stop). Returns the exit status.
#pragma once

#include <string>

#include "config.h"

namespace v2v::milter {

int runDaemon(const std::string& configFile, ConfigPtr config);

// Where a unix-domain milter socket lives ("unix:/p" or "local:/p" → "/p"), else "".
std::string unixSocketPath(const std::string& spec);

}  // namespace v2v::milter
