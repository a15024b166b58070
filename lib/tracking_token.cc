// Tracking tokens (see tracking_token.h).
#include "tracking_token.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

#include "base64.h"
#include "ids.h"

namespace v2v {
namespace {

constexpr unsigned char kVersion = 1;
constexpr unsigned char kHasEmail = 1, kHasRecipient = 2, kHasClient = 4;
constexpr std::size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
const char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void ensureSodium() {
    static const bool ok = sodium_init() >= 0;
    (void)ok;
}

// A canonical ULID as the 16 bytes of its 128-bit value (big-endian).
bool ulidToBytes(const std::string& ulid, unsigned char out[16]) {
    auto canon = normalizeUlid(ulid);
    if (!canon || *canon != ulid) return false;
    std::memset(out, 0, 16);
    for (char c : ulid) {
        unsigned v = static_cast<unsigned>(std::strchr(kCrockford, c) - kCrockford);
        // out = out * 32 + v, over 128 bits (the top 2 of 130 bits are zero).
        unsigned carry = v;
        for (int i = 15; i >= 0; --i) {
            unsigned x = (static_cast<unsigned>(out[i]) << 5) | carry;
            out[i] = static_cast<unsigned char>(x & 0xff);
            carry = x >> 8;
        }
    }
    return true;
}

std::string bytesToUlid(const unsigned char b[16]) {
    std::uint64_t ms = 0;
    for (int i = 0; i < 6; ++i) ms = (ms << 8) | b[i];
    return makeUlid(ms, b + 6);
}

void putVarint(std::string& out, unsigned v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void hmac(const std::string& secret, std::string_view data, unsigned char out[kMacBytes]) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

// Reads the fields after the header; false when anything is off.
class Reader {
public:
    explicit Reader(std::string_view s) : s_(s) {}
    bool byte(unsigned char& v) {
        if (pos_ >= s_.size()) return false;
        v = static_cast<unsigned char>(s_[pos_++]);
        return true;
    }
    bool bytes(std::size_t n, std::string_view& v) {
        if (s_.size() - pos_ < n) return false;
        v = s_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    bool varint(unsigned& v) {
        v = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            unsigned char b;
            if (!byte(b)) return false;
            v |= static_cast<unsigned>(b & 0x7f) << shift;
            if (!(b & 0x80)) return shift == 0 || b != 0;  // no overlong zero tail
        }
        return false;
    }
    std::string_view rest() {
        std::string_view r = s_.substr(pos_);
        pos_ = s_.size();
        return r;
    }
    bool atEnd() const { return pos_ == s_.size(); }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

bool validKind(unsigned char k) { return k == 'o' || k == 'c' || k == 'u'; }

std::optional<TrackingTarget> parsePayload(std::string_view payload, std::string_view& kid) {
    Reader r(payload);
    unsigned char version, kind, flags, kidLen;
    if (!r.byte(version) || version != kVersion || !r.byte(kind) || !validKind(kind) || !r.byte(flags) ||
        (flags & ~(kHasEmail | kHasRecipient | kHasClient)) || !r.byte(kidLen) || kidLen == 0 ||
        !r.bytes(kidLen, kid))
        return std::nullopt;
    TrackingTarget t;
    t.kind = static_cast<TokenKind>(kind);
    if (flags & kHasEmail) {
        std::string_view b;
        if (!r.bytes(16, b)) return std::nullopt;
        t.email_id = bytesToUlid(reinterpret_cast<const unsigned char*>(b.data()));
    }
    if (flags & kHasRecipient) {
        unsigned idx;
        if (!r.varint(idx) || idx > 1000000) return std::nullopt;
        t.recipient = static_cast<int>(idx);
    }
    if (flags & kHasClient) {
        unsigned char n;
        std::string_view c;
        if (!r.byte(n) || n == 0 || !r.bytes(n, c)) return std::nullopt;
        t.client_id.assign(c);
    }
    if (t.kind == TokenKind::click) {
        std::string_view u = r.rest();
        if (u.empty()) return std::nullopt;
        t.url.assign(u);
    }
    if (!r.atEnd()) return std::nullopt;
    return t;
}

}  // namespace

const char* tokenKindName(TokenKind k) {
    switch (k) {
        case TokenKind::open: return "open";
        case TokenKind::click: return "click";
        case TokenKind::unsubscribe: return "unsubscribe";
    }
    return "?";
}

std::string makeToken(const TrackingTarget& t, const SigningKey& key) {
    ensureSodium();
    if (key.id.empty() || key.id.size() > 32) throw std::invalid_argument("tracking key id must be 1..32 bytes");
    if (key.secret.empty()) throw std::invalid_argument("tracking key " + key.id + " has no secret");
    unsigned char flags = 0;
    unsigned char ulid[16];
    if (!t.email_id.empty()) {
        if (!ulidToBytes(t.email_id, ulid)) throw std::invalid_argument("email id is not a canonical ULID");
        flags |= kHasEmail;
    }
    if (t.recipient >= 0) flags |= kHasRecipient;
    if (!t.client_id.empty()) {
        if (t.client_id.size() > 255) throw std::invalid_argument("client id longer than 255 bytes");
        flags |= kHasClient;
    }
    if ((t.kind == TokenKind::click) == t.url.empty())
        throw std::invalid_argument("a click token needs a URL, other tokens none");
    std::string p;
    p.reserve(40 + t.url.size() + kMacBytes);
    p.push_back(static_cast<char>(kVersion));
    p.push_back(static_cast<char>(t.kind));
    p.push_back(static_cast<char>(flags));
    p.push_back(static_cast<char>(key.id.size()));
    p += key.id;
    if (flags & kHasEmail) p.append(reinterpret_cast<const char*>(ulid), 16);
    if (flags & kHasRecipient) putVarint(p, static_cast<unsigned>(t.recipient));
    if (flags & kHasClient) {
        p.push_back(static_cast<char>(t.client_id.size()));
        p += t.client_id;
    }
    p += t.url;
    unsigned char mac[kMacBytes];
    hmac(key.secret, p, mac);
    p.append(reinterpret_cast<const char*>(mac), kMacBytes);
    return base64Encode(p, Base64::url);
}

std::optional<TrackingTarget> verifyToken(std::string_view token, const std::vector<SigningKey>& keys) {
    ensureSodium();
    if (token.empty() || token.size() > kMaxTokenChars) return std::nullopt;
    auto bin = base64Decode(token, Base64::url);
    if (!bin || bin->size() < kMacBytes + 5) return std::nullopt;
    std::string_view payload(bin->data(), bin->size() - kMacBytes);
    std::string_view kid;
    auto t = parsePayload(payload, kid);
    if (!t) return std::nullopt;
    for (const auto& k : keys) {
        if (k.id != kid || k.secret.empty()) continue;
        unsigned char mac[kMacBytes];
        hmac(k.secret, payload, mac);
        if (sodium_memcmp(mac, bin->data() + payload.size(), kMacBytes) == 0) return t;
        return std::nullopt;
    }
    return std::nullopt;
}

std::string openUrl(const std::string& baseUrl, const std::string& token) {
    return baseUrl + kTrackingPath + "open/" + token + ".gif";
}

std::string clickUrl(const std::string& baseUrl, const std::string& token) {
    return baseUrl + kTrackingPath + "click/" + token;
}

std::string unsubscribeUrl(const std::string& baseUrl, const std::string& token) {
    return baseUrl + kTrackingPath + "unsubscribe/" + token;
}

}  // namespace v2v
