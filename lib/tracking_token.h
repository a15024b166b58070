// Tracking tokens: self-contained, HMAC-SHA256-signed, base64url (no padding).
// The milter makes them (pixel, click and unsubscribe URLs); the gateway checks
// them. A token names the key that signed it (tracking.keys[].id): the first
// configured key signs, every configured key verifies (rotation).
//
// Binary layout before base64url: version (1), kind ('o' open, 'c' click,
// 'u' unsubscribe), flags (1: email id, 2: recipient, 4: client id), key id
// length + bytes, [email id as the 16 bytes of its ULID], [recipient index as
// LEB128], [client id length + bytes], [click: target URL, the rest], then the
// full 32-byte HMAC-SHA256 of everything before it. The kind is inside the MAC,
// so an open token cannot be replayed as a click.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace v2v {

enum class TokenKind : char { open = 'o', click = 'c', unsubscribe = 'u' };
const char* tokenKindName(TokenKind k);

struct TrackingTarget {
    TokenKind kind = TokenKind::open;
    std::string email_id;   // canonical ULID, "" when the mail was not correlated
    int recipient = -1;     // recipient index, -1 unknown
    std::string client_id;  // set only when email_id is empty (SMTP mail without VERP)
    std::string url;        // click tokens: the target, byte for byte
    bool operator==(const TrackingTarget& o) const {
        return kind == o.kind && email_id == o.email_id && recipient == o.recipient && client_id == o.client_id &&
               url == o.url;
    }
};

// Longest token verifyToken() looks at (a click token carries its URL).
inline constexpr std::size_t kMaxTokenChars = 8192;

// Throws std::invalid_argument for a target that cannot be encoded (bad email
// id, client id over 255 bytes, key id not 1..32 bytes, empty secret).
std::string makeToken(const TrackingTarget& t, const SigningKey& key);

// nullopt for anything but an intact token signed by one of `keys` (unknown
// key id, bad MAC, bad base64url, truncated or trailing bytes, wrong version).
// The MAC is compared in constant time.
std::optional<TrackingTarget> verifyToken(std::string_view token, const std::vector<SigningKey>& keys);

// URL paths of the public tracking endpoints (below tracking.base_url).
inline constexpr const char* kTrackingPath = "/api/v1/tracking/";
std::string openUrl(const std::string& baseUrl, const std::string& token);         // .../open/T.gif
std::string clickUrl(const std::string& baseUrl, const std::string& token);        // .../click/T
std::string unsubscribeUrl(const std::string& baseUrl, const std::string& token);  // .../unsubscribe/T

}  // namespace v2v
