// Authentication-Results formatting (see auth_results.h).
#include "auth_results.h"

#include <cctype>

namespace v2v::milter {
namespace {

bool tokenChar(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
    static const std::string_view tspecials = "()<>@,;:\\\"/[]?=";
    return tspecials.find(c) == std::string_view::npos;
}

bool atextChar(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    static const std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return specials.find(c) != std::string_view::npos;
}

bool isDotAtom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    char prev = 0;
    for (char c : s) {
        if (c == '.' ? prev == '.' : !atextChar(c)) return false;
        prev = c;
    }
    return true;
}

bool isDomainName(std::string_view s) {
    if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
            return false;
    return s.find("..") == std::string_view::npos;
}

std::string quoted(std::string_view v) {
    std::string out = "\"";
    for (char c : v.substr(0, 256)) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 32 || u == 127) continue;  // no CR/LF/NUL into a header
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string dkimClause(const DkimResult& d) {
    std::string out = "dkim=" + d.result;
    if (!d.reason.empty()) out += " reason=" + quoted(d.reason);
    if (!d.domain.empty()) out += " header.d=" + arValue(d.domain);
    if (!d.selector.empty()) out += " header.s=" + arValue(d.selector);
    if (!d.algorithm.empty()) out += " header.a=" + arValue(d.algorithm);
    if (!d.bPrefix.empty()) out += " header.b=" + arValue(d.bPrefix);
    return out;
}

}  // namespace

std::string arValue(std::string_view v) {
    bool token = !v.empty() && v.size() <= 256;
    for (char c : v) token = token && tokenChar(c);
    return token ? std::string(v) : quoted(v);
}

std::string arMailbox(std::string_view v) {
    auto at = v.rfind('@');
    if (at == std::string_view::npos) return arValue(v);
    std::string_view local = v.substr(0, at), domain = v.substr(at + 1);
    if (!isDomainName(domain)) return quoted(v);
    if (local.empty() || isDotAtom(local)) return std::string(v);
    return quoted(local) + "@" + std::string(domain);
}

std::string formatAuthResults(std::string_view authservId, const AuthResults& r) {
    std::vector<std::string> clauses;
    if (r.dkimChecked) {
        if (r.dkim.empty()) clauses.push_back("dkim=none");
        for (const auto& d : r.dkim) clauses.push_back(dkimClause(d));
    }
    for (const auto& s : r.spf)
        clauses.push_back("spf=" + s.result + " smtp." + s.identity + "=" + arMailbox(s.subject));
    std::string out = " " + arValue(authservId) + ";";
    if (clauses.empty()) return out + " none";
    for (std::size_t i = 0; i < clauses.size(); ++i) {
        out += "\n\t" + clauses[i];
        if (i + 1 < clauses.size()) out += ";";
    }
    return out;
}

}  // namespace v2v::milter
