// libmilter glue: the xxfi_* callbacks (each a few lines onto Session), the
// MilterIo implementation over smfi_*, and the registration description.
#pragma once

#include "runtime.h"

struct smfiDesc;

namespace v2v::milter {

// The runtime every new connection and message uses (swapped on reload).
RuntimeHolder& currentRuntime();

// The filter description for smfi_register().
struct smfiDesc* milterDescription();

}  // namespace v2v::milter
