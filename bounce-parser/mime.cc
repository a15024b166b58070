// Bounded MIME reading and flattening (see mime.h).
#include "mime.h"

#include <iconv.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <type_traits>

#include "pattern.h"
#include "text.h"

namespace v2v::bounce {
namespace {

struct IconvClose {
    void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvPtr = std::unique_ptr<void, IconvClose>;

int b64value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string canonicalCharset(std::string_view cs) {
    std::string c = lower(trim(cs));
    if (c == "uft-8" || c == "utf8") return "utf-8";
    if (c == "unicode-1-1-utf-7") return "utf-7";
    if (c == "ks_c_5601-1987") return "cp949";
    if (c == "x-sjis" || c == "shift-jis") return "shift_jis";
    if (c == "windows-31j") return "cp932";
    if (c == "iso-8859-8-i") return "iso-8859-8";
    return c;
}

// A Content-Type value's media type, lower-cased ("text/plain"), or "".
std::string mediaType(std::string_view ct) {
    ct = trim(ct);
    std::size_t end = 0;
    while (end < ct.size() && ct[end] != ';' && ct[end] != ' ' && ct[end] != '\t') ++end;
    return lower(ct.substr(0, end));
}

std::string decodeTransfer(std::string_view body, std::string_view cte) {
    std::string e = lower(trim(cte));
    if (e == "base64") return base64Decode(body);
    if (e == "quoted-printable") return quotedPrintableDecode(body);
    return std::string(body);
}

// The part's text decoded (transfer encoding, charset): a view of `body` when
// nothing needs decoding, else of `storage`.
std::string_view decodedText(std::string_view body, std::string_view cte, std::string_view charset,
                             std::string& storage) {
    std::string e = lower(trim(cte));
    std::string_view text = body;
    if (e == "base64" || e == "quoted-printable") {
        storage = e == "base64" ? base64Decode(body) : quotedPrintableDecode(body);
        text = storage;
    }
    std::string cs = canonicalCharset(charset);
    if (cs.empty() || cs == "utf-8" || cs == "us-ascii" || cs == "ascii") return text;
    std::string converted = toUtf8(text, cs);
    storage = std::move(converted);
    return storage;
}

// Kinds of part the readers care about.
enum class Kind { skip, text, html, status, original, multipart };

Kind kindOf(const std::string& type, std::string& canon) {
    if (type == "text/plain") return Kind::text;
    if (type == "text/html") return Kind::html;
    if (startsWith(type, "multipart/")) return Kind::multipart;
    if (type == "message/delivery-status" || type == "message/x-delivery-status" ||
        type == "message/global-delivery-status") {
        canon = "message/delivery-status";
        return Kind::status;
    }
    if (type == "message/feedback-report" || type == "message/disposition-notification" ||
        type == "message/global-disposition-notification") {
        canon = type == "message/feedback-report" ? type : "message/disposition-notification";
        return Kind::status;
    }
    if (type == "message/rfc822" || type == "message/global" || type == "message/partial") {
        canon = type == "message/partial" ? type : "message/rfc822";
        return Kind::original;
    }
    if (type == "text/rfc822-headers" || type == "message/global-headers") {
        canon = "text/rfc822-headers";
        return Kind::original;
    }
    return Kind::skip;
}

class Flattener {
public:
    explicit Flattener(const MimeLimits& l) : limits_(l) {}

    // Returns false when `ct` has no boundary (the caller keeps the raw body).
    bool multipart(std::string_view ct, std::string_view body, std::size_t depth, std::string& out) {
        std::string boundary = contentParam(ct, "boundary");
        if (boundary.empty() || depth > limits_.maxDepth) return false;
        std::string delim = "--" + boundary;
        bool alternative = mediaType(ct) == "multipart/alternative";
        bool digest = mediaType(ct) == "multipart/digest";
        std::size_t at = 0, partStart = std::string_view::npos;
        bool closed = false, seenDelimiter = false;
        while (at < body.size()) {
            std::size_t nl = body.find('\n', at);
            std::size_t lineEnd = nl == std::string_view::npos ? body.size() : nl;
            std::string_view line = body.substr(at, lineEnd - at);
            std::size_t next = nl == std::string_view::npos ? body.size() : nl + 1;
            if (!closed && startsWith(line, delim)) {
                std::string_view rest = trim(line.substr(delim.size()));
                if (rest.empty() || rest == "--") {
                    if (!seenDelimiter) {
                        appendText(body.substr(0, at), out);  // preamble
                    } else if (partStart != std::string_view::npos) {
                        part(body.substr(partStart, at - partStart), depth, alternative, digest, out);
                    }
                    seenDelimiter = true;
                    partStart = next;
                    if (rest == "--") {
                        closed = true;
                        partStart = std::string_view::npos;
                        appendText(body.substr(next), out);  // epilogue
                        break;
                    }
                }
            }
            at = next;
        }
        if (!seenDelimiter) return false;
        if (!closed && partStart != std::string_view::npos && partStart < body.size())
            part(body.substr(partStart), depth, alternative, digest, out);
        return true;
    }

private:
    const MimeLimits& limits_;
    std::size_t parts_ = 0;

    void appendText(std::string_view text, std::string& out) {
        if (trim(text).empty() || out.size() > limits_.maxOutput) return;
        out += '\n';
        out.append(text);
        if (out.back() != '\n') out += '\n';
    }

    void part(std::string_view raw, std::size_t depth, bool inAlternative, bool inDigest, std::string& out) {
        if (++parts_ > limits_.maxParts || out.size() > limits_.maxOutput) return;
        std::string_view headBlock, body;
        if (startsWith(raw, "\n")) {
            body = raw.substr(1);
        } else {
            std::size_t sep = raw.find("\n\n");
            headBlock = sep == std::string_view::npos ? raw : raw.substr(0, sep + 1);
            body = sep == std::string_view::npos ? std::string_view() : raw.substr(sep + 2);
        }
        Headers h = parseHeaders(headBlock);
        std::string ct = h.get("content-type");
        std::string type = mediaType(ct);
        if (type.empty()) type = inDigest ? "message/rfc822" : "text/plain";
        std::string canon;
        Kind kind = kindOf(type, canon);
        const std::string& cte = h.get("content-transfer-encoding");
        switch (kind) {
        case Kind::skip:
            return;
        case Kind::multipart: {
            std::string inner;
            if (multipart(ct, body, depth + 1, inner)) out += inner;
            return;
        }
        case Kind::html: {
            if (inAlternative) return;
            std::string storage;
            appendText(htmlToPlain(decodedText(body, cte, contentParam(ct, "charset"), storage), false), out);
            return;
        }
        case Kind::text: {
            std::string storage;
            appendText(decodedText(body, cte, contentParam(ct, "charset"), storage), out);
            return;
        }
        case Kind::status:
        case Kind::original: {
            out += "Content-Type: " + canon + "\n";
            std::string storage;
            // The returned message keeps its own encodings; status fields are text.
            std::string_view text = decodedText(body, cte, kind == Kind::status ? contentParam(ct, "charset") : "",
                                                storage);
            // Per-message and per-recipient groups keep their blank-line separation.
            while (startsWith(text, "\n")) text.remove_prefix(1);
            out.append(text);
            if (!out.empty() && out.back() != '\n') out += '\n';
            out += '\n';
            return;
        }
        }
    }
};

// Collapses runs of blank lines, cuts over-long lines, drops CR. Works a
// line at a time (memchr) rather than a byte at a time.
std::string tidy(std::string_view in, std::size_t maxLine) {
    // Common case: nothing to collapse, cut or drop.
    if (in.size() <= maxLine && in.find('\r') == std::string_view::npos && in.find("\n\n\n") == std::string_view::npos &&
        !startsWith(in, "\n\n"))
        return std::string(in);
    std::string out;
    out.reserve(in.size() + 1);
    bool previousBlank = false;
    while (!in.empty()) {
        const void* nl = std::memchr(in.data(), '\n', in.size());
        std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - in.data()) : in.size();
        std::string_view line = in.substr(0, len);
        in.remove_prefix(nl ? len + 1 : len);
        bool blank = line.empty() || (line.size() == 1 && line[0] == '\r');
        if (blank && previousBlank) continue;
        previousBlank = blank;
        if (line.size() > maxLine) line = line.substr(0, maxLine);
        if (line.find('\r') == std::string_view::npos) {
            out.append(line);
        } else {
            for (char c : line)
                if (c != '\r') out += c;
        }
        if (nl) out += '\n';
    }
    return out;
}

}  // namespace

std::vector<std::string_view> splitMbox(std::string_view raw) {
    static const Regex separator(
        R"(^From [^ \r\n]* +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+ \d\d:\d\d:\d\d)",
        Regex::multiline);
    if (!startsWith(raw, "From ")) return {raw};
    std::vector<std::string_view> out;
    std::size_t start = 0;
    Match m;
    for (std::size_t at = 1; separator.search(raw, m, at); at = m.end()) {
        std::size_t p = m.position();
        bool afterBlank = (p >= 2 && raw[p - 1] == '\n' && raw[p - 2] == '\n') ||
                          (p >= 4 && raw.compare(p - 4, 4, "\r\n\r\n") == 0);
        if (!afterBlank || p == 0) continue;
        out.push_back(raw.substr(start, p - start));
        start = p;
    }
    out.push_back(raw.substr(start));
    return out;
}

const std::string& Headers::get(std::string_view name) const {
    static const std::string empty;
    auto it = fields_.find(name);
    return it == fields_.end() ? empty : it->second;
}

std::string normalizeLines(std::string_view raw) {
    // Common case: LF line ends and no trailing blanks -- nothing to change.
    // (One memchr per line; string_view::find(" \n") would stop at every space.)
    bool clean = !raw.empty() && raw.back() != ' ' && raw.back() != '\t' &&
                 std::memchr(raw.data(), '\r', raw.size()) == nullptr;
    for (const char* p = raw.data(); clean;) {
        const char* end = raw.data() + raw.size();
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        if (!nl) break;
        if (nl > raw.data() && (nl[-1] == ' ' || nl[-1] == '\t')) clean = false;
        p = nl + 1;
    }
    if (clean) return std::string(raw);
    std::string s;
    s.reserve(raw.size());
    bool hasCr = std::memchr(raw.data(), '\r', raw.size()) != nullptr;
    while (!raw.empty()) {
        // Line end: LF, CRLF or a lone CR.
        std::size_t len;
        std::size_t skip;
        if (!hasCr) {
            const void* nl = std::memchr(raw.data(), '\n', raw.size());
            len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - raw.data()) : raw.size();
            skip = nl ? 1 : 0;
        } else {
            len = 0;
            while (len < raw.size() && raw[len] != '\r' && raw[len] != '\n') ++len;
            if (len == raw.size()) {
                len = std::string_view::npos;
            }
            if (len == std::string_view::npos) {
                len = raw.size();
                skip = 0;
            } else {
                skip = (raw[len] == '\r' && len + 1 < raw.size() && raw[len + 1] == '\n') ? 2 : 1;
            }
        }
        std::string_view line = raw.substr(0, len);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        s.append(line);
        if (skip) s += '\n';
        raw.remove_prefix(len + skip);
    }
    return s;
}

Headers parseHeaders(std::string_view block) {
    Headers h;
    std::string name, value;
    bool open = false;
    auto commit = [&] {
        if (!open) return;
        bool squeeze = false;
        for (std::size_t i = 0; i < value.size() && !squeeze; ++i)
            squeeze = value[i] == '\t' || (value[i] == ' ' && i + 1 < value.size() && value[i + 1] == ' ');
        if (squeeze) {
            std::size_t o = 0;
            for (char c : value) {
                if (c == '\t') c = ' ';
                if (c == ' ' && o > 0 && value[o - 1] == ' ') continue;
                value[o++] = c;
            }
            value.resize(o);
        }
        while (!value.empty() && value.back() == ' ') value.pop_back();
        if (name == "received") h.received().push_back(value);
        h.set(name, std::move(value));
        value.clear();
        open = false;
    };
    while (!block.empty()) {
        std::size_t nl = block.find('\n');
        std::string_view line = block.substr(0, nl);
        block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
        while (!line.empty() && line[0] == '>') {  // quoted (forwarded) header block
            std::size_t n = 0;
            while (n < line.size() && line[n] == '>') ++n;
            if (n < line.size() && line[n] == ' ')
                line.remove_prefix(n + 1);
            else
                break;
        }
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            if (open) {
                value += ' ';
                value.append(trim(line));
            }
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos && open && !line.empty()) {
            // A folded line that lost its leading blank ("boundary=..." under
            // Content-Type:): no field name, so it can only continue the field.
            value += ' ';
            value.append(trim(line));
            continue;
        }
        commit();
        if (colon == std::string_view::npos || colon == 0) continue;
        bool ok = true;
        for (std::size_t i = 0; i < colon && ok; ++i) {
            char c = line[i];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }
        if (!ok) continue;
        name.assign(line.substr(0, colon));
        for (auto& c : name)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        value.assign(v);
        open = true;
    }
    commit();
    return h;
}

std::optional<Report> readReport(std::string_view raw, const MimeLimits& limits) {
    std::string text = normalizeLines(raw);
    std::size_t sep = text.find("\n\n");
    if (sep == std::string::npos || sep == 0 || sep + 2 >= text.size()) return std::nullopt;
    Report r;
    r.originalTop = text.substr(0, sep + 1);
    std::string_view headBlock(r.originalTop);
    if (startsWith(headBlock, "From ")) {  // mbox separator line
        std::size_t nl = headBlock.find('\n');
        headBlock.remove_prefix(nl == std::string_view::npos ? headBlock.size() : nl + 1);
    }
    r.head = parseHeaders(headBlock);
    std::string body;
    body.reserve(text.size() - sep);
    body.append(text, sep + 2, std::string::npos);
    body += '\n';

    std::string subject = r.head.get("subject");
    if (hasEncodedWord(subject)) subject = decodeEncodedWords(subject);
    std::string ls = lower(subject);
    std::size_t i = 0;
    while (i < ls.size() && (ls[i] == ' ' || ls[i] == '\t')) ++i;
    if (ls.compare(i, 4, "fwd:") == 0 || ls.compare(i, 3, "fw:") == 0) {
        std::size_t c = ls.find(':', i) + 1;
        while (c < subject.size() && subject[c] == ' ') ++c;
        subject = subject.substr(c);
        std::string unquoted;  // drop "> " quoting of the forwarded report
        for (std::string_view l : splitLines(body)) {
            std::size_t n = 0;
            while (n < l.size() && l[n] == '>') ++n;
            if (n > 0 && (n == l.size() || l[n] == ' ')) l.remove_prefix(n == l.size() ? n : n + 1);
            unquoted.append(l);
            unquoted += '\n';
        }
        body = std::move(unquoted);
    }
    r.head.set("subject", subject);

    std::string ct = r.head.get("content-type");
    std::string type = mediaType(ct);
    if (startsWith(type, "text/")) {
        body = toUtf8(decodeTransfer(body, r.head.get("content-transfer-encoding")), contentParam(ct, "charset"));
        if (type == "text/html") body = htmlToPlain(body, true);
    } else if (startsWith(type, "multipart/")) {
        Flattener f(limits);
        std::string flat;
        flat.reserve(body.size());
        if (f.multipart(ct, body, 0, flat) && !flat.empty()) body = std::move(flat);
    }
    r.body = tidy(body, limits.maxLine);
    if (r.body.size() > limits.maxOutput) r.body.resize(limits.maxOutput);
    return r;
}

std::string base64Decode(std::string_view in) {
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned buf = 0;
    int bits = 0;
    for (unsigned char c : in) {
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        int v = b64value(c);
        if (v < 0) break;  // '=' padding or the end of the encoded text
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xff);
        }
    }
    return out;
}

std::string quotedPrintableDecode(std::string_view in, bool header) {
    std::string out;
    out.reserve(in.size());
    while (!in.empty()) {
        // Copy the plain run up to the next '=' (or '_' in headers) in one go.
        std::size_t n = header ? in.find_first_of("=_") : in.find('=');
        if (n == std::string_view::npos) n = in.size();
        out.append(in.substr(0, n));
        in.remove_prefix(n);
        if (in.empty()) break;
        if (in[0] == '_') {
            out += ' ';
            in.remove_prefix(1);
        } else if (in.size() >= 2 && in[1] == '\n') {  // soft line break
            in.remove_prefix(2);
        } else if (in.size() >= 3 && hexValue(in[1]) >= 0 && hexValue(in[2]) >= 0) {
            out += static_cast<char>(hexValue(in[1]) * 16 + hexValue(in[2]));
            in.remove_prefix(3);
        } else {
            out += '=';
            in.remove_prefix(1);
        }
    }
    return out;
}

namespace {
// iconv_open loads a conversion module: keep one descriptor per charset and thread.
iconv_t converter(const std::string& charset) {
    thread_local std::vector<std::pair<std::string, IconvPtr>> cache;
    for (auto& [name, cd] : cache)
        if (name == charset) {
            iconv(static_cast<iconv_t>(cd.get()), nullptr, nullptr, nullptr, nullptr);  // reset shift state
            return static_cast<iconv_t>(cd.get());
        }
    void* cd = iconv_open("UTF-8", charset.c_str());
    if (cd == reinterpret_cast<void*>(-1)) return reinterpret_cast<iconv_t>(-1);
    if (cache.size() >= 16) cache.erase(cache.begin());
    cache.emplace_back(charset, IconvPtr(cd));
    return static_cast<iconv_t>(cd);
}
}  // namespace

std::string toUtf8(std::string_view text, std::string_view charset) {
    std::string cs = canonicalCharset(charset);
    if (cs.empty() || cs == "utf-8" || cs == "us-ascii" || cs == "ascii" || text.empty()) return std::string(text);
    bool ascii = true;
    for (unsigned char c : text)
        if (c >= 0x80 || c == 0x1b || c == '+') {  // ESC (ISO-2022) and '+' (UTF-7) shift states
            ascii = false;
            break;
        }
    if (ascii) return std::string(text);
    iconv_t cd = converter(cs);
    if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(text);
    std::string out;
    out.reserve(text.size() + text.size() / 2 + 16);
    char buf[8192];
    char* in = const_cast<char*>(text.data());
    std::size_t inLeft = text.size();
    while (inLeft > 0) {
        char* o = buf;
        std::size_t outLeft = sizeof buf;
        std::size_t rc = iconv(cd, &in, &inLeft, &o, &outLeft);
        out.append(buf, sizeof buf - outLeft);
        if (rc != static_cast<std::size_t>(-1)) break;
        if (errno == E2BIG) continue;  // buffer full: flush and go on
        // Invalid or truncated sequence: emit U+FFFD and skip one byte.
        out += "\xEF\xBF\xBD";
        ++in;
        --inLeft;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
    return out;
}

bool hasEncodedWord(std::string_view v) {
    std::size_t p = v.find("=?");
    return p != std::string_view::npos && v.find("?=", p + 2) != std::string_view::npos;
}

std::string decodeEncodedWords(std::string_view value) {
    std::string out, pendingSpace;
    std::size_t at = 0;
    bool lastWasWord = false;
    while (at < value.size()) {
        std::size_t start = value.find("=?", at);
        if (start == std::string_view::npos) break;
        std::size_t q1 = value.find('?', start + 2);
        std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
        std::size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
        if (end == std::string_view::npos || q2 != q1 + 2) {
            out.append(value.substr(at, start + 2 - at));
            at = start + 2;
            lastWasWord = false;
            continue;
        }
        std::string_view between = value.substr(at, start - at);
        if (!(lastWasWord && trim(between).empty())) out.append(between);
        std::string charset(value.substr(start + 2, q1 - start - 2));
        if (auto star = charset.find('*'); star != std::string::npos) charset.resize(star);
        char enc = value[q1 + 1];
        std::string_view payload = value.substr(q2 + 1, end - q2 - 1);
        std::string raw = (enc == 'B' || enc == 'b') ? base64Decode(payload) : quotedPrintableDecode(payload, true);
        out += toUtf8(raw, charset);
        at = end + 2;
        lastWasWord = true;
    }
    if (at < value.size()) out.append(value.substr(at));
    return out;
}

std::string contentParam(std::string_view ct, std::string_view name) {
    std::string lc = lower(ct);
    std::string key = lower(name) + "=";
    std::size_t p = 0;
    while ((p = lc.find(key, p)) != std::string::npos) {
        bool boundaryOk = p == 0 || lc[p - 1] == ';' || lc[p - 1] == ' ' || lc[p - 1] == '\t';
        if (!boundaryOk) {
            ++p;
            continue;
        }
        std::string_view v = ct.substr(p + key.size());
        if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
            char q = v.front();
            std::size_t e = v.find(q, 1);
            return std::string(v.substr(1, e == std::string_view::npos ? std::string_view::npos : e - 1));
        }
        std::size_t e = 0;
        while (e < v.size() && v[e] != ';' && v[e] != ' ' && v[e] != '\t') ++e;
        return std::string(v.substr(0, e));
    }
    return "";
}

}  // namespace v2v::bounce
