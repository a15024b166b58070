// HTML and text link rewriting (see tracking_html.h). One forward scan over
// the text: tags are read with their attributes (quotes honoured), untouched
// bytes are copied in runs.
#include "tracking_html.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "headers.h"

namespace v2v::milter {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive search of an ASCII needle (lower case) from `from`.
std::size_t ifind(std::string_view s, std::string_view lowerNeedle, std::size_t from) {
    if (lowerNeedle.empty()) return from;
    char first = lowerNeedle[0], upper = static_cast<char>(first >= 'a' && first <= 'z' ? first - 32 : first);
    for (std::size_t i = from; i + lowerNeedle.size() <= s.size(); ++i) {
        const void* p = std::memchr(s.data() + i, first, s.size() - i);
        const void* q = first == upper ? nullptr : std::memchr(s.data() + i, upper, s.size() - i);
        std::size_t a = p ? static_cast<std::size_t>(static_cast<const char*>(p) - s.data()) : s.size();
        std::size_t b = q ? static_cast<std::size_t>(static_cast<const char*>(q) - s.data()) : s.size();
        i = std::min(a, b);
        if (i + lowerNeedle.size() > s.size()) break;
        if (iequals(s.substr(i, lowerNeedle.size()), lowerNeedle)) return i;
    }
    return std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
}

void appendUtf8(std::string& out, unsigned long cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

// One character reference at s[0] == '&'; returns the bytes consumed (0: none).
std::size_t decodeReference(std::string_view s, std::string& out) {
    static const struct {
        const char* name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (const auto& n : named)
        if (istartsWith(s, n.name)) {
            out.push_back(n.c);
            return std::strlen(n.name);
        }
    if (s.size() < 4 || s[1] != '#') return 0;
    bool hex = s[2] == 'x' || s[2] == 'X';
    std::size_t i = hex ? 3 : 2;
    unsigned long cp = 0;
    std::size_t digits = 0;
    for (; i < s.size() && digits < 8; ++i, ++digits) {
        char c = lowerAscii(s[i]);
        int v = c >= '0' && c <= '9' ? c - '0' : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (v < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(v);
    }
    if (digits == 0 || i >= s.size() || s[i] != ';' || cp == 0 || cp > 0x10ffff) return 0;
    appendUtf8(out, cp);
    return i + 1;
}

// HTML attribute value text for a generated URL.
std::string escapeAttribute(const std::string& v) {
    if (v.find_first_of("&\"<>") == std::string::npos) return v;
    std::string out;
    for (char c : v) {
        if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out.push_back(c);
    }
    return out;
}

struct Attribute {
    std::string_view name;
    std::size_t valueBegin = 0, valueEnd = 0;  // offsets in the document
    char quote = 0;                            // '"', '\'' or 0 (unquoted)
    bool hasValue = false;
};

// Reads the attributes of a tag whose name ends at `i`; returns the offset of
// its closing '>' or npos when the tag never closes.
std::size_t readAttributes(std::string_view s, std::size_t i, std::vector<Attribute>* attrs) {
    const std::size_t n = s.size();
    for (;;) {
        while (i < n && (isSpace(s[i]) || s[i] == '/')) ++i;
        if (i >= n) return std::string_view::npos;
        if (s[i] == '>') return i;
        std::size_t nameBegin = i;
        ++i;  // the first character may be '=' (HTML: part of the name)
        while (i < n && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=') ++i;
        Attribute a;
        a.name = s.substr(nameBegin, i - nameBegin);
        std::size_t j = i;
        while (j < n && isSpace(s[j])) ++j;
        if (j < n && s[j] == '=') {
            ++j;
            while (j < n && isSpace(s[j])) ++j;
            if (j >= n) return std::string_view::npos;
            a.hasValue = true;
            if (s[j] == '"' || s[j] == '\'') {
                a.quote = s[j];
                std::size_t close = s.find(a.quote, j + 1);
                if (close == std::string_view::npos) return std::string_view::npos;
                a.valueBegin = j + 1;
                a.valueEnd = close;
                i = close + 1;
            } else {
                a.valueBegin = j;
                while (j < n && !isSpace(s[j]) && s[j] != '>') ++j;
                a.valueEnd = j;
                i = j;
            }
        }
        if (attrs) attrs->push_back(a);
    }
}

// The name of the tag at s[lt] == '<' (after an optional '/'), and where it ends.
std::string_view tagName(std::string_view s, std::size_t lt, bool& closing, std::size_t& end) {
    std::size_t i = lt + 1;
    closing = i < s.size() && s[i] == '/';
    if (closing) ++i;
    std::size_t b = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == ':')) ++i;
    end = i;
    return s.substr(b, i - b);
}

class HtmlRewriter {
public:
    HtmlRewriter(std::string_view in, const LinkPolicy& p) : in_(in), p_(p) { out_.reserve(in.size() + 4096); }

    HtmlRewrite run() {
        std::size_t pos = 0;
        while ((pos = in_.find('<', pos)) != std::string_view::npos) pos = step(pos);
        out_.append(in_.substr(copied_));
        HtmlRewrite r;
        r.links = links_;
        if (p_.opens && !p_.pixelUrl.empty() && !p_.trackingPrefix.empty() &&
            in_.find(p_.trackingPrefix + "open/") == std::string_view::npos) {
            std::size_t at = bodyClose_ != std::string::npos ? bodyClose_ : htmlClose_ != std::string::npos ? htmlClose_ : endOfText();
            out_.insert(at, "<img src=\"" + escapeAttribute(p_.pixelUrl) +
                                "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">");
            r.pixel = true;
        }
        r.text = std::move(out_);
        return r;
    }

private:
    std::string_view in_;
    const LinkPolicy& p_;
    std::string out_;
    std::size_t copied_ = 0;  // input bytes up to here are in out_
    std::size_t bodyClose_ = std::string::npos, htmlClose_ = std::string::npos;  // offsets in out_
    int links_ = 0;

    // The end of the text before its trailing line breaks and blanks.
    std::size_t endOfText() const {
        std::size_t at = out_.size();
        while (at > 0 && isSpace(out_[at - 1])) --at;
        return at;
    }

    // Handles the markup at in_[lt] == '<'; returns where scanning goes on.
    std::size_t step(std::size_t lt) {
        if (in_.compare(lt, 4, "<!--") == 0) {
            if (istartsWith(in_.substr(lt + 4), "[if")) return lt + 4;  // Outlook conditional: links inside count
            std::size_t end = in_.find("-->", lt + 4);
            return end == std::string_view::npos ? in_.size() : end + 3;
        }
        bool closing = false;
        std::size_t nameEnd = 0;
        std::string_view name = tagName(in_, lt, closing, nameEnd);
        if (name.empty()) return lt + 1;
        if (closing) {
            std::size_t outPos = out_.size() + (lt - copied_);
            if (iequals(name, "body")) bodyClose_ = outPos;
            else if (iequals(name, "html")) htmlClose_ = outPos;
            std::size_t gt = in_.find('>', nameEnd);
            return gt == std::string_view::npos ? in_.size() : gt + 1;
        }
        bool link = iequals(name, "a") || iequals(name, "area");
        std::vector<Attribute> attrs;
        std::size_t gt = readAttributes(in_, nameEnd, link ? &attrs : nullptr);
        if (gt == std::string_view::npos) return in_.size();  // an unclosed tag: the rest is left alone
        if (iequals(name, "script") || iequals(name, "style")) {
            std::size_t close = ifind(in_, iequals(name, "script") ? "</script" : "</style", gt + 1);
            return close == std::string_view::npos ? in_.size() : close;
        }
        if (link && p_.clicks) rewriteLink(attrs);
        return gt + 1;
    }

    void rewriteLink(const std::vector<Attribute>& attrs) {
        const Attribute* href = nullptr;
        for (const auto& a : attrs) {
            if (iequals(a.name, kNoTrackAttribute)) return;
            if (!href && iequals(a.name, "href") && a.hasValue) href = &a;  // the first href wins (HTML)
        }
        if (!href) return;
        std::string url = decodeAttribute(in_.substr(href->valueBegin, href->valueEnd - href->valueBegin));
        std::string_view target = trim(url);
        if (!shouldWrap(target, p_)) return;
        std::string wrapped = escapeAttribute(p_.wrap(std::string(target)));
        out_.append(in_.substr(copied_, href->valueBegin - copied_));
        bool quoteNeeded = href->quote == 0 && wrapped.find_first_of(" \t\r\n\f\"'=<>`") != std::string::npos;
        if (quoteNeeded) out_.push_back('"');
        out_ += wrapped;
        if (quoteNeeded) out_.push_back('"');
        copied_ = href->valueEnd;
        ++links_;
    }
};

bool isUrlChar(char c) { return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"'; }

}  // namespace

std::string decodeAttribute(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size();) {
        if (v[i] == '&') {
            std::size_t used = decodeReference(v.substr(i), out);
            if (used) {
                i += used;
                continue;
            }
        }
        out.push_back(v[i++]);
    }
    return out;
}

std::string urlHost(std::string_view url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return "";
    std::string_view rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#\\"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        rest = close == std::string_view::npos ? std::string_view() : rest.substr(0, close + 1);
    } else {
        rest = rest.substr(0, rest.find(':'));
    }
    std::string host;
    for (char c : rest) host.push_back(lowerAscii(c));
    while (!host.empty() && host.back() == '.') host.pop_back();
    return host;
}

bool shouldWrap(std::string_view url, const LinkPolicy& policy) {
    if (!istartsWith(url, "http://") && !istartsWith(url, "https://")) return false;
    if (url.size() > kMaxTrackedUrl) return false;
    for (char c : url)
        if (c <= 0x20 || c >= 0x7f) return false;  // not printable ASCII: left as written
    if (!policy.trackingPrefix.empty() && istartsWith(url, policy.trackingPrefix)) return false;  // never twice
    for (const auto& k : policy.keepUrls)
        if (url == k) return false;
    std::string host = urlHost(url);
    if (host.empty()) return false;
    for (const auto& d : policy.excludedDomains) {
        if (host == d) return false;
        if (host.size() > d.size() && host.compare(host.size() - d.size(), d.size(), d) == 0 &&
            host[host.size() - d.size() - 1] == '.')
            return false;
    }
    return true;
}

HtmlRewrite rewriteHtml(std::string_view html, const LinkPolicy& policy) {
    return HtmlRewriter(html, policy).run();
}

HtmlRewrite rewriteTextLinks(std::string_view text, const LinkPolicy& policy) {
    HtmlRewrite r;
    if (!policy.clicks) {
        r.text.assign(text);
        return r;
    }
    r.text.reserve(text.size() + 1024);
    std::size_t copied = 0, pos = 0;
    while ((pos = ifind(text, "http", pos)) != std::string_view::npos) {
        std::string_view rest = text.substr(pos);
        bool starts = istartsWith(rest, "http://") || istartsWith(rest, "https://");
        bool boundary = pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
        if (!starts || !boundary) {
            pos += 4;
            continue;
        }
        std::size_t end = pos;
        while (end < text.size() && isUrlChar(text[end])) ++end;
        // Trailing punctuation belongs to the sentence; a ')' or ']' only when unbalanced.
        while (end > pos) {
            char c = text[end - 1];
            std::string_view u = text.substr(pos, end - pos);
            if (std::strchr(".,;:!?'", c)) {
                --end;
            } else if ((c == ')' && std::count(u.begin(), u.end(), '(') < std::count(u.begin(), u.end(), ')')) ||
                       (c == ']' && std::count(u.begin(), u.end(), '[') < std::count(u.begin(), u.end(), ']'))) {
                --end;
            } else {
                break;
            }
        }
        std::string url(text.substr(pos, end - pos));
        if (shouldWrap(url, policy)) {
            r.text.append(text.substr(copied, pos - copied));
            r.text += policy.wrap(url);
            copied = end;
            ++r.links;
        }
        pos = std::max(end, pos + 4);
    }
    r.text.append(text.substr(copied));
    return r;
}

}  // namespace v2v::milter
