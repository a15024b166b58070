// Transfer encodings (see transfer_encoding.h). Base64 is libsodium's (lib/base64.h);
// quoted-printable is a few lines of RFC 2045.
#include "transfer_encoding.h"

#include <cstring>

#include "base64.h"

namespace v2v::milter {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

const char kHex[] = "0123456789ABCDEF";

}  // namespace

std::optional<std::string> decodeQuotedPrintable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    const std::size_t n = in.size();
    for (std::size_t i = 0; i < n;) {
        char c = in[i];
        if (c != '=') {
            const char* eq = static_cast<const char*>(std::memchr(in.data() + i, '=', n - i));
            std::size_t run = eq ? static_cast<std::size_t>(eq - in.data()) - i : n - i;
            out.append(in.data() + i, run);
            i += run;
            continue;
        }
        if (i + 2 < n && hexValue(in[i + 1]) >= 0 && hexValue(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2])));
            i += 3;
            continue;
        }
        std::size_t j = i + 1;
        while (j < n && (in[j] == ' ' || in[j] == '\t')) ++j;
        if (j == n) {
            i = n;  // a soft break at the very end
        } else if (in[j] == '\n') {
            i = j + 1;
        } else if (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n') {
            i = j + 2;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

namespace {

// One quoted-printable pass; `Out` either counts (first pass) or writes.
template <class Out>
void quotedPrintable(std::string_view in, Out& o) {
    const std::size_t n = in.size();
    std::size_t col = 0;
    auto room = [&](std::size_t len) {
        if (col + len > 75) {  // room for the '=' of a soft break: lines stay <= 76
            o.put('=');
            o.put('\r');
            o.put('\n');
            col = 0;
        }
        col += len;
    };
    for (std::size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c >= 33 && c <= 126 && c != '=') {
            room(1);
            o.put(static_cast<char>(c));
            continue;
        }
        bool crlf = c == '\r' && i + 1 < n && in[i + 1] == '\n';
        if (c == '\n' || crlf) {
            o.put('\r');
            o.put('\n');
            col = 0;
            if (crlf) ++i;
            continue;
        }
        bool lineEnd = i + 1 == n || in[i + 1] == '\n' || (in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n');
        if ((c == ' ' || c == '\t') && !lineEnd) {
            room(1);
            o.put(static_cast<char>(c));
        } else {
            room(3);
            o.put('=');
            o.put(kHex[c >> 4]);
            o.put(kHex[c & 15]);
        }
    }
}

struct Counter {
    std::size_t n = 0;
    void put(char) { ++n; }
};

struct Writer {
    char* p;
    void put(char c) { *p++ = c; }
};

}  // namespace

// Two passes (size, then bytes): no worst-case buffer to allocate and touch.
std::string encodeQuotedPrintable(std::string_view in) {
    Counter count;
    quotedPrintable(in, count);
    std::string out(count.n, '\0');
    Writer w{out.data()};
    quotedPrintable(in, w);
    return out;
}

std::optional<std::string> decodeBase64(std::string_view in) { return base64Decode(in, Base64::standard, " \t\r\n"); }

std::string encodeBase64(std::string_view in, bool finalBreak) {
    std::string b64 = base64Encode(in);
    std::string out;
    out.reserve(b64.size() + b64.size() / 38 + 2);
    for (std::size_t i = 0; i < b64.size(); i += 76) {
        if (i) out += "\r\n";
        out.append(b64, i, 76);
    }
    if (finalBreak && !out.empty()) out += "\r\n";
    return out;
}

}  // namespace v2v::milter
