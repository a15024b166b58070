// Transfer encodings (see transfer_encoding.h). Base64 uses libsodium's
// constant-shape codec; quoted-printable is a few lines of RFC 2045.
#include "transfer_encoding.h"

#include <sodium.h>

#include <cstring>

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

std::string encodeQuotedPrintable(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 8 + 64);
    std::size_t col = 0;
    const std::size_t n = in.size();
    auto put = [&](const char* s, std::size_t len) {
        if (col + len > 75) {  // room for the '=' of a soft break: lines stay <= 76
            out += "=\r\n";
            col = 0;
        }
        out.append(s, len);
        col += len;
    };
    for (std::size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        bool crlf = c == '\r' && i + 1 < n && in[i + 1] == '\n';
        if (c == '\n' || crlf) {
            out += "\r\n";
            col = 0;
            if (crlf) ++i;
            continue;
        }
        bool lineEnd = i + 1 == n || in[i + 1] == '\n' || (in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n');
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !lineEnd);
        if (literal) {
            char ch = static_cast<char>(c);
            put(&ch, 1);
        } else {
            char enc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
            put(enc, 3);
        }
    }
    return out;
}

std::optional<std::string> decodeBase64(std::string_view in) {
    std::string out(in.size() / 4 * 3 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(),
                          " \t\r\n", &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != in.data() + in.size())
        return std::nullopt;
    out.resize(len);
    return out;
}

std::string encodeBase64(std::string_view in, bool finalBreak) {
    std::string b64(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    b64.resize(std::strlen(b64.c_str()));
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
