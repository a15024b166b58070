// API value helpers (see api_values.h).
#include "api_values.h"

#include <cctype>
#include <ctime>

#include "base64.h"

namespace v2v::gw {

std::string formatRfc3339(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    struct tm tmv {};
    gmtime_r(&tt, &tmv);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    return buf;
}

std::variant<int, ApiError> parseLimit(const std::optional<std::string>& v, int def, int max) {
    if (!v) return def;
    const std::string& s = *v;
    ApiError bad = invalidField("limit", "must be an integer from 1 to " + std::to_string(max));
    if (s.empty() || s.size() > 7) return bad;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return bad;
    int n = std::stoi(s);
    if (n < 1 || n > max) return bad;
    return n;
}

std::string encodeCursor(const std::string& key) { return base64Encode(key, Base64::url); }

std::optional<std::string> decodeCursor(const std::string& cursor) {
    if (cursor.empty() || cursor.size() > 1024) return std::nullopt;
    auto out = base64Decode(cursor, Base64::url);
    if (!out || out->empty() || out->find('\0') != std::string::npos) return std::nullopt;
    return out;
}

std::optional<std::string> percentDecode(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
            return std::nullopt;
        char c = static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        if (c == '\0') return std::nullopt;
        out += c;
        i += 2;
    }
    return out;
}

}  // namespace v2v::gw
