// Sortable unique ids (ULID: 48-bit millisecond time + 80 random bits, Crockford
// base32, 26 characters). Monotonic within a process for ids made in the same ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace v2v {

std::string newUlid();
// Deterministic form for tests: the given time and 10 random bytes.
std::string makeUlid(std::uint64_t unixMillis, const unsigned char random[10]);
// Accepts any case; returns the canonical upper-case form, or nullopt.
std::optional<std::string> normalizeUlid(std::string_view s);
// Milliseconds since the epoch encoded in a valid ULID.
std::uint64_t ulidMillis(std::string_view ulid);

// Random bytes as lowercase hex / base64url (no padding), from libsodium.
std::string randomHex(std::size_t bytes);
std::string randomToken(std::size_t bytes);

}  // namespace v2v
