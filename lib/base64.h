// Base64 (RFC 4648) with libsodium: standard alphabet with padding, or URL-safe
// without padding. Decoding is strict: any character outside the alphabet (other
// than those listed in `ignore`) or trailing garbage gives nullopt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace v2v {

enum class Base64 { standard, url };

std::string base64Encode(std::string_view bin, Base64 variant = Base64::standard);
std::optional<std::string> base64Decode(std::string_view text, Base64 variant = Base64::standard,
                                        const char* ignore = nullptr);

}  // namespace v2v
