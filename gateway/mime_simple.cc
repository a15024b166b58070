// Direct serializer for text/html-only messages (see mime_simple.h). No GMime
// here: t/unit/gateway_mime_simple_test.cc parses both builders' output with
// GMime and requires the same decoded headers and bodies. What this file is not
// sure to write exactly (control characters, "=?" in plain text, very long
// words, leading/trailing spaces, names GMime formats specially, ...) makes
// simpleMessagePossible() false, and buildMessage() uses GMime instead.
#include "mime_simple.h"

#include "text_checks.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <random>
#include <stdexcept>
#include <string_view>

namespace v2v::gw {
namespace {

// Header line length: RFC 5322 asks for 78 at most, RFC 2047 for 76 on a line
// holding an encoded word; 76 for all keeps it simple.
constexpr std::size_t kFoldAt = 76;
constexpr std::size_t kMaxWord = 70;     // longer unencoded header words → GMime
constexpr std::size_t kMaxName = 200;    // longer display names → GMime
constexpr std::size_t kMaxPayload = 63;  // encoded characters in an encoded word (word <= 75)
constexpr char kHex[] = "0123456789ABCDEF";  // "=XX" in QP and Q words
constexpr std::size_t kQpLine = 75;      // QP characters per line before the soft break '='

bool isAscii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

// No control characters (tab included), no DEL; UTF-8 bytes allowed.
bool noControls(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return false;
    }
    return true;
}

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// c is one of `set` (strchr alone would also find the terminating NUL)
bool inSet(const char* set, char c) { return c != '\0' && std::strchr(set, c) != nullptr; }


// A value written as it is: printable ASCII, no "=?" (a decoder could take it for
// an encoded word), no fold unit (a word with the extra spaces of the run before
// it, see unstructured()) longer than kMaxWord: it could not be folded.
bool plainWordsOk(std::string_view s) {
    if (s.find("=?") != std::string_view::npos) return false;
    std::size_t unit = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unit = s[i] == ' ' && i > 0 && s[i - 1] != ' ' ? 0 : unit + 1;
        if (unit > kMaxWord) return false;
    }
    return true;
}

// Unstructured value (Subject, custom and internal headers).
bool unstructuredOk(std::string_view v) {
    if (!noControls(v) || !validUtf8(v)) return false;
    if (!v.empty() && (v.front() == ' ' || v.back() == ' ')) return false;
    return !isAscii(v) || plainWordsOk(v);
}

// Header names GMime parses or formats itself (addresses, ids, content
// headers): never written by this file except its own fixed ones.
bool plainHeaderName(std::string_view n) {
    if (n.empty() || n.size() > 60) return false;
    std::string l;
    for (char c : n) {
        if (!alnum(c) && c != '-') return false;
        l += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    static const char* const special[] = {"from", "to", "cc", "bcc", "reply-to", "sender", "subject", "date",
                                          "message-id", "mime-version", "received", "references", "in-reply-to",
                                          "return-path", "disposition-notification-to", "return-receipt-to"};
    for (const char* s : special)
        if (l == s) return false;
    return l.rfind("resent-", 0) != 0 && l.rfind("content-", 0) != 0;
}

bool emailOk(std::string_view e) {
    if (e.empty() || e.size() > 254 || e.find("=?") != std::string_view::npos) return false;
    const auto at = e.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == e.size() || e.find('@', at + 1) != e.npos) return false;
    for (char c : e)
        if (!isAtext(c) && c != '.' && c != '@') return false;
    return true;
}

bool nameOk(std::string_view n) {
    if (n.empty()) return true;
    if (n.size() > kMaxName || n.front() == ' ' || n.back() == ' ') return false;
    if (!noControls(n) || !validUtf8(n)) return false;
    return !isAscii(n) || n.find("=?") == std::string_view::npos;
}

bool mailboxOk(const Mailbox& m) { return emailOk(m.email) && nameOk(m.name); }

bool messageIdOk(std::string_view id) {
    const auto at = id.find('@');
    if (id.size() > 200 || at == 0 || at == std::string_view::npos || at + 1 == id.size() ||
        id.find('@', at + 1) != std::string_view::npos)
        return false;
    for (char c : id)
        if (!alnum(c) && !inSet(".@_+-", c)) return false;
    return true;
}

// ---- header writing ----

// One header being written: tracks the current line's length for folding.
class HeaderLine {
public:
    HeaderLine(std::string& out, std::string_view name) : out_(out) {
        out_.append(name).append(": ");
        col_ = name.size() + 2;
        fresh_ = true;
    }
    // Appends `token`, folding before it ("CRLF SP") when it (and `tail` more
    // characters that will follow it on the line) would pass kFoldAt; `sep`
    // goes before the token on the same line (" " or ", "), `foldSep` instead
    // of it when folding (",").
    void token(std::string_view sep, std::string_view tok, std::string_view foldSep = "", std::size_t tail = 0) {
        if (fresh_) {
            out_.append(tok);
            col_ += tok.size();
            fresh_ = false;
            return;
        }
        if (col_ + sep.size() + tok.size() + tail > kFoldAt) {
            out_.append(foldSep).append("\r\n ").append(tok);
            col_ = 1 + tok.size();
        } else {
            out_.append(sep).append(tok);
            col_ += sep.size() + tok.size();
        }
    }
    void end() { out_.append("\r\n"); }
    std::size_t column() const { return col_; }

private:
    std::string& out_;
    std::size_t col_ = 0;
    bool fresh_ = true;
};

// Splits UTF-8 `s` into RFC 2047 Q-encoded words (at most 75 characters, the
// first with at most `firstRoom` encoded characters), never inside a character.
// Q, not B: GMime decodes adjacent B words of one charset as one base64 stream,
// so a padded word followed by another decodes to garbage.
template <class F>
void encodedWords(std::string_view s, std::size_t firstRoom, F emit) {
    std::string w = "=?UTF-8?Q?", piece;
    std::size_t payload = 0, room = std::max<std::size_t>(firstRoom, 12);
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        const std::size_t len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        piece.clear();
        for (std::size_t k = i; k < i + len && k < s.size(); ++k) {
            const auto c = static_cast<unsigned char>(s[k]);
            if (c == ' ') {
                piece += '_';
            } else if (alnum(static_cast<char>(c)) || inSet("!*+-/", static_cast<char>(c))) {
                piece += static_cast<char>(c);
            } else {
                piece += '=';
                piece += kHex[c >> 4];
                piece += kHex[c & 15];
            }
        }
        if (payload > 0 && payload + piece.size() > room) {
            emit(w + "?=");
            w.resize(10);
            payload = 0;
            room = kMaxPayload;
        }
        w += piece;
        payload += piece.size();
        i += len;
    }
    if (payload > 0) emit(w + "?=");
}

void unstructured(std::string& out, std::string_view name, std::string_view value) {
    HeaderLine h(out, name);
    if (isAscii(value)) {
        // Fold only before a space that follows a non-space (the rest of a run
        // of spaces starts the next token), so unfolding gives the value back.
        std::size_t start = 0;
        for (;;) {
            std::size_t e = start;
            while (e < value.size() && value[e] == ' ') ++e;
            while (e < value.size() && value[e] != ' ') ++e;
            h.token(" ", value.substr(start, e - start));
            if (e >= value.size()) break;
            start = e + 1;
        }
    } else {
        // the first word sized to end the first line by kFoldAt where it can
        const std::size_t room = kFoldAt > h.column() + 12 ? kFoldAt - h.column() - 12 : 0;
        encodedWords(value, std::min(room, kMaxPayload), [&](const std::string& w) { h.token(" ", w); });
    }
    h.end();
}

std::string quotedName(std::string_view n) {
    bool plain = true;
    for (char c : n) plain = plain && (isAtext(c) || c == ' ');
    if (plain) return std::string(n);
    std::string q = "\"";
    for (char c : n) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"";
}

void addressList(std::string& out, std::string_view name, const Mailbox* ms, std::size_t count) {
    HeaderLine h(out, name);
    for (std::size_t k = 0; k < count; ++k) {
        const Mailbox& m = ms[k];
        const std::string_view sep = k == 0 ? "" : ", ";
        const std::string_view fold = k == 0 ? "" : ",";
        const std::size_t tail = k + 1 < count ? 1 : 0;  // the comma after it
        const std::string addr = m.name.empty() ? m.email : "<" + m.email + ">";
        std::string quoted;
        if (!m.name.empty() && isAscii(m.name)) quoted = quotedName(m.name) + " " + addr;
        if (m.name.empty()) {
            h.token(sep, addr, fold, tail);
        } else if (!quoted.empty() && quoted.size() + (k == 0 ? h.column() : 1) + tail <= kFoldAt) {
            h.token(sep, quoted, fold, tail);
        } else {
            // non-ASCII, or too long for a line quoted: encoded words fold exactly
            bool first = true;
            const std::size_t used = h.column() + sep.size() + 12;
            const std::size_t room = used + 12 <= kFoldAt ? kFoldAt - used : kMaxPayload;  // else it folds
            encodedWords(m.name, std::min(room, kMaxPayload), [&](const std::string& w) {
                h.token(first ? sep : " ", w, first ? fold : "");
                first = false;
            });
            h.token(" ", addr, "", tail);
        }
    }
    h.end();
}

void dateHeader(std::string& out, std::int64_t when) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out += buf;
}

// ---- body ----

const std::array<unsigned char, 256> kQpLiteral = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 33; c <= 126; ++c) t[static_cast<std::size_t>(c)] = c != '=';
    return t;
}();

std::string boundary() {
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string b = "=_v2v_";
    for (int i = 0; i < 4; ++i) {
        std::uint64_t x = rng();
        for (int k = 0; k < 6; ++k, x >>= 8) b += chars[(x & 0xff) % 62];
    }
    return b;
}

void partHeaders(std::string& out, const char* subtype) {
    out += "Content-Type: text/";
    out += subtype;
    out += "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
}

}  // namespace

void appendQuotedPrintable(std::string& out, const std::string& text) {
    const std::size_t n = text.size();
    std::size_t col = 0;
    auto put = [&](unsigned char c, bool encode) {
        const std::size_t w = encode ? 3 : 1;
        if (col + w > kQpLine) {
            out += "=\r\n";
            col = 0;
        }
        if (encode) {
            out += '=';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
        col += w;
    };
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (kQpLiteral[c]) {
            // fast path for the common byte: no soft break needed yet
            if (col < kQpLine) {
                out += static_cast<char>(c);
                ++col;
            } else {
                put(c, false);
            }
        } else if (c == '\n' || (c == '\r' && i + 1 < n && text[i + 1] == '\n')) {
            if (c == '\r') ++i;
            out += "\r\n";
            col = 0;
        } else if (c == ' ' || c == '\t') {
            const bool atEnd = i + 1 == n || text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < n && text[i + 2] == '\n');
            put(c, atEnd);
        } else {
            put(c, true);
        }
    }
    // GMime ends a text whose last byte is a space, tab or lone CR with a soft
    // break (the byte stays the last of the content); otherwise the line is left
    // open and the caller ends it.
    if (n > 0) {
        const char last = text[n - 1];
        if (last == ' ' || last == '\t' || last == '\r') out += "=\r\n";
    }
}

bool simpleMessagePossible(const SendRequest& r, const BuiltHeaders& h) {
    if (!r.attachments.empty()) return false;
    if (!mailboxOk(r.from)) return false;
    for (const auto* list : {&r.to, &r.cc})
        for (const auto& m : *list)
            if (!mailboxOk(m)) return false;
    if (r.reply_to && !mailboxOk(*r.reply_to)) return false;
    if (!unstructuredOk(r.subject) || !messageIdOk(h.message_id)) return false;
    if (h.date < 0 || h.date > 253402300799LL) return false;  // year 1970..9999
    for (const auto* list : {&r.headers, &h.internal})
        for (const auto& [name, value] : *list)
            if (!plainHeaderName(name) || !unstructuredOk(value)) return false;
    return true;
}

std::string buildSimpleMessage(const SendRequest& r, const BuiltHeaders& h) {
    if (!simpleMessagePossible(r, h)) throw std::invalid_argument("buildSimpleMessage: not a simple message");
    return writeSimpleMessage(r, h);
}

std::string writeSimpleMessage(const SendRequest& r, const BuiltHeaders& h) {
    std::string out;
    out.reserve(1024 + (r.text ? r.text->size() * 11 / 10 : 0) + (r.html ? r.html->size() * 11 / 10 : 0));
    dateHeader(out, h.date);
    addressList(out, "From", &r.from, 1);
    if (r.reply_to) addressList(out, "Reply-To", &*r.reply_to, 1);
    unstructured(out, "Subject", r.subject);
    if (!r.to.empty()) addressList(out, "To", r.to.data(), r.to.size());
    if (!r.cc.empty()) addressList(out, "Cc", r.cc.data(), r.cc.size());
    out += "Message-Id: <" + h.message_id + ">\r\n";
    for (const auto& [name, value] : r.headers) unstructured(out, name, value);
    for (const auto& [name, value] : h.internal) unstructured(out, name, value);
    out += "MIME-Version: 1.0\r\n";
    if (r.text && r.html) {
        const std::string b = boundary();
        out += "Content-Type: multipart/alternative; boundary=\"" + b + "\"\r\n\r\n--" + b + "\r\n";
        partHeaders(out, "plain");
        appendQuotedPrintable(out, *r.text);
        out += "\r\n--" + b + "\r\n";
        partHeaders(out, "html");
        appendQuotedPrintable(out, *r.html);
        out += "\r\n--" + b + "--\r\n";
    } else {
        partHeaders(out, r.html ? "html" : "plain");
        const std::size_t bodyStart = out.size();
        appendQuotedPrintable(out, r.html ? *r.html : r.text ? *r.text : std::string());
        if (out.size() > bodyStart && out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    }
    return out;
}

}  // namespace v2v::gw
