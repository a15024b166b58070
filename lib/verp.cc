// VERP / ENVID encoding and strict parsing (hostile input: bounded, no throws).
#include "verp.h"

#include <cctype>

#include "ids.h"

namespace v2v {
namespace {
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}
}  // namespace

std::string envid(const RecipientTag& tag) { return tag.email_id + "-" + std::to_string(tag.index); }

std::optional<RecipientTag> parseEnvid(std::string_view s) {
    s = trim(s);
    if (s.size() < 28 || s.size() > 26 + 1 + 6) return std::nullopt;
    auto id = normalizeUlid(s.substr(0, 26));
    if (!id || s[26] != '-') return std::nullopt;
    std::string_view num = s.substr(27);
    if (num.empty()) return std::nullopt;
    int n = 0;
    for (char c : num) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (num.size() > 1 && num[0] == '0') return std::nullopt;
    return RecipientTag{*id, n};
}

std::string verpAddress(const std::string& prefix, const RecipientTag& tag, const std::string& domain) {
    return prefix + "+" + envid(tag) + "@" + domain;
}

std::optional<RecipientTag> parseVerpAddress(std::string_view a, const std::string& prefix,
                                             const std::string& domain) {
    a = trim(a);
    if (a.size() > 512) return std::nullopt;
    if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
    auto at = a.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view local = a.substr(0, at), dom = a.substr(at + 1);
    if (!domain.empty() && !iequals(dom, domain)) return std::nullopt;
    if (local.size() <= prefix.size() + 1 || !iequals(local.substr(0, prefix.size()), prefix) ||
        local[prefix.size()] != '+')
        return std::nullopt;
    return parseEnvid(local.substr(prefix.size() + 1));
}

}  // namespace v2v
