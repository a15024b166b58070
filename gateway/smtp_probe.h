// Readiness probe of the Postfix SMTP server the injector submits to:
// connect, read a 220 greeting, QUIT (2 s timeouts). Used by
// GET /health/ready and the v2v_dependency_up metric.
#pragma once

#include <string>

#include "config.h"

namespace v2v::gw {

// "" when the server greets with 220, else what went wrong.
std::string checkSmtp(const SmtpConfig& c);

}  // namespace v2v::gw
