// String helpers (see text.h).
#include "text.h"

#include "pattern.h"

namespace v2v::bounce {

std::string lower(std::string_view s) {
    std::string o(s);
    for (auto& c : o)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return o;
}

std::string upper(std::string_view s) {
    std::string o(s);
    for (auto& c : o)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return o;
}

bool containsAny(std::string_view s, std::initializer_list<std::string_view> needles) {
    for (auto n : needles)
        if (contains(s, n)) return true;
    return false;
}

bool containsAny(std::string_view s, const std::vector<std::string_view>& needles) {
    for (auto n : needles)
        if (contains(s, n)) return true;
    return false;
}

std::string_view trim(std::string_view s) {
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> splitLines(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at <= s.size()) {
        std::size_t nl = s.find('\n', at);
        if (nl == std::string_view::npos) {
            out.push_back(s.substr(at));
            break;
        }
        out.push_back(s.substr(at, nl - at));
        at = nl + 1;
    }
    while (!out.empty() && out.back().empty()) out.pop_back();
    return out;
}

std::vector<std::string_view> splitChar(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    for (;;) {
        std::size_t p = s.find(sep, at);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(at));
            return out;
        }
        out.push_back(s.substr(at, p - at));
        at = p + 1;
    }
}

std::string sweep(std::string_view in) {
    if (!in.empty() && in.back() == '\n') in.remove_suffix(1);
    std::string s;
    s.reserve(in.size());
    for (char c : in) {
        if (c == '\t') continue;
        if (c == ' ' && !s.empty() && s.back() == ' ') continue;
        s.push_back(c);
    }
    if (!s.empty() && s.front() == ' ') s.erase(0, 1);
    if (!s.empty() && s.back() == ' ') s.pop_back();
    // " --boundary-ish tail": a space, two or more '-', a non-blank, then anything to the end.
    for (std::size_t p = s.find(" --"); p != std::string::npos; p = s.find(" --", p + 1)) {
        std::size_t q = p + 1;
        while (q < s.size() && s[q] == '-') ++q;
        if (q + 1 < s.size() && s[q] != ' ' && s[q] != '\t' && s.find('\n', q) == std::string::npos) {
            s.erase(p);
            break;
        }
    }
    return s;
}

std::string joinLines(std::string_view s) {
    std::string o(s);
    for (auto& c : o)
        if (c == '\n') c = ' ';
    return o;
}

std::pair<std::string_view, std::string> fillet(std::string_view body, const Regex& backbone) {
    Match m;
    if (!backbone.search(body, m)) return {body, std::string()};
    std::string_view a = body.substr(0, m.position());
    std::string_view b = body.substr(m.end());
    while (!b.empty() && (b.front() == '\r' || b.front() == '\n' || b.front() == ' ' || b.front() == '\t' ||
                          b.front() == '\f' || b.front() == '\v'))
        b.remove_prefix(1);
    std::string rest;
    if (!b.empty()) {
        std::size_t dbl = b.find("\n\n");
        rest = std::string(dbl != std::string_view::npos && dbl > 0 ? b.substr(0, dbl + 1) : b);
        if (rest.empty() || rest.back() != '\n') rest.push_back('\n');
    }
    return {a, rest};
}

std::string htmlToPlain(std::string_view html, bool loose) {
    static const Regex reHtml(R"(<html[ >].+?</html>)", Regex::icase | Regex::dotall | Regex::multiline);
    static const Regex reBody(R"(<head>.+</head>.*<body[ >].+</body>)",
                              Regex::icase | Regex::dotall | Regex::multiline);
    if (!loose && !reHtml.test(html) && !reBody.test(html)) return std::string(html);
    static const Regex reHead(R"(<head>.*?</head>)", Regex::icase | Regex::dotall);
    static const Regex reStyle(R"(<style.*?>.*?</style>)", Regex::icase | Regex::dotall);
    static const Regex reLink(R"(<a\s+href\s*=\s*['"](https?://.+?)['"].*?>(.*?)</a>)",
                              Regex::icase | Regex::dotall);
    static const Regex reMailto(R"(<a\s+href\s*=\s*["']mailto:([^\s]+?)["']>(.*?)</a>)",
                                Regex::icase | Regex::dotall);
    static const Regex reTag(R"(<[^<@>]+?>\s*)");
    std::string p = reHead.replaceAll(html, "");
    p = reStyle.replaceAll(p, "");
    p = reLink.replaceAll(p, " [$2]($1) ");
    p = reMailto.replaceAll(p, " [$2](mailto:$1) ");
    p = reTag.replaceAll(p, " ");
    static const std::pair<const char*, const char*> ents[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", " "}};
    for (const auto& [from, to] : ents) {
        std::string f = from;
        for (std::size_t at = p.find(f); at != std::string::npos; at = p.find(f, at + 1)) p.replace(at, f.size(), to);
    }
    if (html.size() > p.size()) {
        std::string q;
        for (char c : p)
            if (!(c == ' ' && !q.empty() && q.back() == ' ')) q.push_back(c);
        p = q + "\n";
    }
    return p;
}

void appendSep(std::string& dst, std::string_view sep, std::string_view text) {
    if (!dst.empty()) dst.append(sep);
    dst.append(text);
}

}  // namespace v2v::bounce
