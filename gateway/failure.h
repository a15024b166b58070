// The answer for an exception a request ran into: a dependency that is down or
// busy is a 503 (retry later), anything else a 500. Never the internal text.
#pragma once

#include <exception>

#include "api_error.h"

namespace v2v::gw {

ApiError apiErrorFor(const std::exception& e);
// The same for a caught exception of any type (rethrows `e` to look at it).
ApiError apiErrorFor(const std::exception_ptr& e);

}  // namespace v2v::gw
