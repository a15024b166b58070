// Pure header rules (see headers.h). Every parser here is bounded by the
// input length and never throws on hostile text.
#include "headers.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace v2v::milter {
namespace {

char lc(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Skips folding whitespace and (nested) comments from position i.
std::size_t skipCfws(std::string_view v, std::size_t i) {
    while (i < v.size()) {
        char c = v[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
        } else if (c == '(') {
            int depth = 0;
            for (; i < v.size(); ++i) {
                if (v[i] == '\\') {
                    ++i;
                } else if (v[i] == '(') {
                    ++depth;
                } else if (v[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
            }
        } else {
            break;
        }
    }
    return i;
}

// Collects refs of matching headers, highest index first within each name.
template <class Pred>
std::vector<HeaderRef> refsWhere(const HeaderList& h, Pred pred) {
    std::map<std::string, int> seen;  // lower-case name -> count so far
    std::vector<HeaderRef> out;
    for (const auto& f : h) {
        int idx = ++seen[lower(f.name)];
        if (pred(f)) out.push_back({f.name, idx});
    }
    std::stable_sort(out.begin(), out.end(), [](const HeaderRef& a, const HeaderRef& b) {
        std::string la = lower(a.name), lb = lower(b.name);
        return la != lb ? la < lb : a.index > b.index;
    });
    return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lc(a[i]) != lc(b[i])) return false;
    return true;
}

bool istartsWith(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lc(c);
    return out;
}

std::vector<HeaderRef> internalHeaders(const HeaderList& h, std::string_view prefix) {
    return refsWhere(h, [&](const Header& f) { return istartsWith(f.name, prefix); });
}

std::optional<std::string> authservIdOf(std::string_view v) {
    std::size_t i = skipCfws(v, 0);
    if (i >= v.size()) return std::nullopt;
    std::string id;
    if (v[i] == '"') {
        for (++i; i < v.size() && v[i] != '"'; ++i) {
            if (v[i] == '\\' && i + 1 < v.size()) ++i;
            id += v[i];
        }
    } else {
        for (; i < v.size(); ++i) {
            char c = v[i];
            if (c == ';' || c == '(' || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
            id += c;
        }
    }
    if (id.empty()) return std::nullopt;
    return lower(id);
}

std::vector<HeaderRef> forgedAuthResults(const HeaderList& h, std::string_view authservId) {
    std::string ours = lower(authservId);
    return refsWhere(h, [&](const Header& f) {
        if (!iequals(f.name, "Authentication-Results")) return false;
        auto id = authservIdOf(f.value);
        return id && *id == ours;
    });
}

std::string firstAddress(std::string_view v) {
    // Prefer the first angle-addr; otherwise the first addr-spec token with '@'.
    std::string token;
    bool inQuote = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (inQuote) {
            if (c == '\\') ++i;
            else if (c == '"') inQuote = false;
            continue;
        }
        if (c == '"') {
            inQuote = true;
        } else if (c == '(') {
            i = skipCfws(v, i) - 1;
        } else if (c == '<') {
            auto end = v.find('>', i + 1);
            if (end == std::string_view::npos) return "";
            std::string addr(v.substr(i + 1, end - i - 1));
            // Drop a source route ("@a,@b:user@host").
            auto colon = addr.find(':');
            if (!addr.empty() && addr[0] == '@' && colon != std::string::npos) addr.erase(0, colon + 1);
            return addr;
        }
    }
    // No angle brackets: "user@domain (comment)" or "user@domain".
    std::size_t i = skipCfws(v, 0);
    for (; i < v.size(); ++i) {
        char c = v[i];
        if (c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(') break;
        token += c;
    }
    // A group ("undisclosed:;") has a colon and no address.
    if (token.find(':') != std::string::npos) return "";
    return token;
}

std::optional<std::string> fromDomain(const HeaderList& h) {
    const Header* from = nullptr;
    for (const auto& f : h) {
        if (!iequals(f.name, "From")) continue;
        if (from) return std::nullopt;  // several From fields: sign nothing
        from = &f;
    }
    if (!from) return std::nullopt;
    std::string addr = firstAddress(from->value);
    auto at = addr.rfind('@');
    if (at == std::string::npos || at + 1 >= addr.size() || at == 0) return std::nullopt;
    std::string domain = lower(addr.substr(at + 1));
    if (domain.size() > 253) return std::nullopt;
    for (char c : domain)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return std::nullopt;
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string::npos)
        return std::nullopt;
    return domain;
}

std::string toCrlf(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string headerLine(const Header& h) { return h.name + ":" + toCrlf(h.value); }

std::optional<std::string> headerValue(const HeaderList& h, std::string_view name) {
    for (const auto& f : h)
        if (iequals(f.name, name)) return f.value;
    return std::nullopt;
}

}  // namespace v2v::milter
