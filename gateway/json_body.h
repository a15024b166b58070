// JSON request bodies: parsing with a nesting bound. nlohmann parses and
// destroys iteratively, but dump(), copies and comparisons recurse once per
// level: a 2 MB body of [[[[...]]]] overflows a thread's stack. Every body is
// checked with an iterative walk right after parsing, before anything copies
// or dumps a part of it.
#pragma once

#include <cstddef>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace v2v::gw {

// Deeper than any request the API defines needs ({"messages":[{"variables":...}]}
// plus 32 levels of variables) and far below what a stack can take.
inline constexpr std::size_t kMaxBodyDepth = 64;

// True when no value is nested more than `max` levels below `j` (a scalar is 0).
bool jsonDepthWithin(const nlohmann::json& j, std::size_t max = kMaxBodyDepth);

// A body that must be a JSON object: 400 "malformed" when it is not JSON, not
// an object (`shape` describes the expected one), or nested too deep.
std::variant<nlohmann::json, ApiError> parseBodyObject(const std::string& body, const std::string& shape);

}  // namespace v2v::gw
