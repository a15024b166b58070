// Runs the gateway: HTTP endpoint, injector workers, signal handling and the
// graceful drain on SIGTERM (new work → 503, in-flight requests finish).
#pragma once

#include "config.h"

namespace v2v::gw {

// Returns the process exit status.
int run(ConfigPtr cfg);

}  // namespace v2v::gw
