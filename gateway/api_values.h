// Values shared by the API's list and read responses (pure): RFC 3339 times,
// `?limit=` parameters and opaque, URL-safe paging cursors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "api_error.h"

namespace v2v::gw {

// Unix seconds → "2026-03-01T12:00:00Z".
std::string formatRfc3339(std::int64_t t);

// `?limit=`: absent → `def`; otherwise an integer in 1..max, else 422 (field "limit").
std::variant<int, ApiError> parseLimit(const std::optional<std::string>& v, int def, int max);

// A cursor wraps the last key of a page (base64url, no padding); decoding a
// value that is not such a cursor gives nullopt (the caller answers 422).
std::string encodeCursor(const std::string& key);
std::optional<std::string> decodeCursor(const std::string& cursor);

// Percent-decoding of one URL path segment ("a%2Bb%40x.test" → "a+b@x.test");
// nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> percentDecode(const std::string& s);

}  // namespace v2v::gw
