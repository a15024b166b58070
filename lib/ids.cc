// ULID generation and parsing.
#include "ids.h"

#include "base64.h"

#include <sodium.h>

#include <chrono>
#include <cstring>
#include <mutex>

namespace v2v {
namespace {
const char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int decodeChar(char c) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    const char* p = std::strchr(kAlphabet, c);
    return (p && c) ? static_cast<int>(p - kAlphabet) : -1;
}

void ensureSodium() {
    static const bool ok = sodium_init() >= 0;
    (void)ok;
}
}  // namespace

std::string makeUlid(std::uint64_t ms, const unsigned char random[10]) {
    // 128 bits: 48 time + 80 random; 26 chars of 5 bits = 130 bits (top 2 zero).
    unsigned char b[16];
    for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
    std::memcpy(b + 6, random, 10);
    std::string out(26, '0');
    // Encode big-endian 128-bit number in base32, last char = lowest 5 bits.
    for (int i = 25; i >= 0; --i) {
        int bitPos = (25 - i) * 5;  // bit offset from the least significant end
        int value = 0;
        for (int k = 0; k < 5; ++k) {
            int bit = bitPos + k;
            if (bit >= 128) break;
            int byte = 15 - bit / 8;
            if (b[byte] & (1u << (bit % 8))) value |= 1 << k;
        }
        out[static_cast<std::size_t>(i)] = kAlphabet[value];
    }
    return out;
}

std::string newUlid() {
    ensureSodium();
    static std::mutex mu;
    static std::uint64_t lastMs = 0;
    static unsigned char lastRand[10];
    std::uint64_t ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::lock_guard<std::mutex> lock(mu);
    if (ms <= lastMs) {
        // Same (or earlier) millisecond: increment the random part so ids stay sorted.
        ms = lastMs;
        for (int i = 9; i >= 0; --i)
            if (++lastRand[i] != 0) break;
    } else {
        lastMs = ms;
        randombytes_buf(lastRand, sizeof lastRand);
        lastRand[0] &= 0x7f;  // headroom for increments
    }
    return makeUlid(ms, lastRand);
}

std::optional<std::string> normalizeUlid(std::string_view s) {
    if (s.size() != 26) return std::nullopt;
    if (decodeChar(s[0]) > 7) return std::nullopt;  // overflow of 128 bits
    std::string out(26, '0');
    for (std::size_t i = 0; i < 26; ++i) {
        int v = decodeChar(s[i]);
        if (v < 0) return std::nullopt;
        out[i] = kAlphabet[v];
    }
    return out;
}

std::uint64_t ulidMillis(std::string_view ulid) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 10 && i < ulid.size(); ++i)
        v = (v << 5) | static_cast<std::uint64_t>(decodeChar(ulid[i]) & 31);
    return v;
}

std::string randomHex(std::size_t bytes) {
    ensureSodium();
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    std::string out(bytes * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                   raw.size());
    out.pop_back();
    return out;
}

std::string randomToken(std::size_t bytes) {
    ensureSodium();
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    return base64Encode(raw, Base64::url);
}

}  // namespace v2v
