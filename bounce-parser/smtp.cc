// SMTP status and reply codes (see smtp.h).
#include "smtp.h"

#include <cctype>
#include <cstring>
#include <unordered_map>

#include "pattern.h"
#include "text.h"

namespace v2v::bounce {
namespace {

bool isWord(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// `f` at t[p], where '.' in f matches any byte but '\n' (the reference interpolates
// the code into a pattern unescaped).
bool wildAt(std::string_view t, std::size_t p, std::string_view f) {
    if (p + f.size() > t.size()) return false;
    for (std::size_t i = 0; i < f.size(); ++i) {
        char c = t[p + i];
        if (f[i] == '.' ? c == '\n' : c != f[i]) return false;
    }
    return true;
}

// \b FOUND [.] \d{1,3} \b   or   \b \d{1,3} [.] FOUND \b
bool partOfLongerCode(std::string_view t, std::string_view f) {
    auto boundaryBefore = [&](std::size_t p) { return p == 0 || !isWord(t[p - 1]); };
    auto boundaryAfter = [&](std::size_t p) { return p >= t.size() || !isWord(t[p]); };
    for (std::size_t p = 0; p < t.size(); ++p) {
        if (!boundaryBefore(p)) continue;
        if (wildAt(t, p, f)) {
            std::size_t q = p + f.size();
            if (q < t.size() && t[q] == '.') {
                for (std::size_t k = 1; k <= 3; ++k) {
                    std::size_t d = q + k;
                    if (d >= t.size() || !isDigit(t[d])) break;
                    if (boundaryAfter(d + 1)) return true;
                }
            }
        }
        for (std::size_t k = 1; k <= 3 && p + k <= t.size(); ++k) {
            if (!isDigit(t[p + k - 1])) break;
            std::size_t q = p + k;
            if (q < t.size() && t[q] == '.' && wildAt(t, q + 1, f) && boundaryAfter(q + 1 + f.size()))
                return true;
        }
    }
    return false;
}

}  // namespace

std::string findStatus(std::string_view text) {
    if (text.empty()) return "";
    static const Regex res[] = {
        Regex(R"([ ]?[(][#]([45][.]\d[.]\d+)[)]?[ ]?)"),
        Regex(R"(\b\d{3}[ -][#]?([45][.]\d[.]\d+)\b)"),
        Regex(R"(\b([45][.]\d[.]\d+)\b)"),
        Regex(R"(\b(2[.][0-7][.][0-7])\b)"),
    };
    Match m;
    for (const auto& re : res) {
        if (!re.search(text, m)) continue;
        std::string found = m.str(1);
        if (partOfLongerCode(text, found)) continue;
        return found;
    }
    return "";
}

std::string findReplyCode(std::string_view text) {
    if (text.empty()) return "";
    if (contains(upper(text), "X-UNIX;")) return "";
    static const Regex ip4(
        R"(\b(?:\d|[01]?\d\d|2[0-4]\d|25[0-5])[.](?:\d|[01]?\d\d|2[0-4]\d|25[0-5])[.](?:\d|[01]?\d\d|2[0-4]\d|25[0-5])[.](?:\d|[01]?\d\d|2[0-4]\d|25[0-5])\b)");
    static const Regex r45(R"(\b([45][0-5][0-9])\b)");
    static const Regex r25(R"(\b(25[0-3])\b)");
    std::string t = ip4.replaceAll(text, "***.***.***.***");
    Match m;
    if (r45.search(t, m) || r25.search(t, m)) return m.str(1);
    return "";
}

std::string statusReason(std::string_view status) {
    static const std::unordered_map<std::string_view, const char*> table = {
        {"2.1.5", "delivered"},      {"4.1.6", "hasmoved"},       {"4.1.7", "rejected"},
        {"4.1.8", "rejected"},       {"4.1.9", "systemerror"},    {"4.2.1", "suspend"},
        {"4.2.2", "mailboxfull"},    {"4.2.3", "exceedlimit"},    {"4.2.4", "filtered"},
        {"4.3.1", "systemfull"},     {"4.3.2", "notaccept"},      {"4.3.3", "systemerror"},
        {"4.3.5", "systemerror"},    {"4.4.1", "expired"},        {"4.4.2", "networkerror"},
        {"4.4.4", "networkerror"},   {"4.4.5", "systemfull"},     {"4.4.6", "networkerror"},
        {"4.4.7", "expired"},        {"4.5.3", "systemerror"},    {"4.5.5", "systemerror"},
        {"4.6.0", "contenterror"},   {"4.6.2", "contenterror"},   {"4.6.5", "contenterror"},
        {"4.7.1", "blocked"},        {"4.7.2", "blocked"},        {"4.7.5", "securityerror"},
        {"4.7.6", "securityerror"},  {"4.7.7", "securityerror"},  {"4.7.12", "securityerror"},
        {"4.7.15", "securityerror"}, {"4.7.16", "mesgtoobig"},    {"4.7.24", "securityerror"},
        {"4.7.25", "blocked"},       {"5.1.0", "userunknown"},    {"5.1.1", "userunknown"},
        {"5.1.2", "hostunknown"},    {"5.1.3", "userunknown"},    {"5.1.4", "filtered"},
        {"5.1.6", "hasmoved"},       {"5.1.7", "rejected"},       {"5.1.8", "rejected"},
        {"5.1.9", "systemerror"},    {"5.1.10", "notaccept"},     {"5.2.0", "filtered"},
        {"5.2.1", "filtered"},       {"5.2.2", "mailboxfull"},    {"5.2.3", "exceedlimit"},
        {"5.2.4", "filtered"},       {"5.3.0", "systemerror"},    {"5.3.1", "systemfull"},
        {"5.3.2", "notaccept"},      {"5.3.3", "systemerror"},    {"5.3.4", "mesgtoobig"},
        {"5.3.5", "systemerror"},    {"5.4.0", "networkerror"},   {"5.4.3", "systemerror"},
        {"5.4.4", "hostunknown"},    {"5.5.3", "toomanyconn"},    {"5.5.4", "systemerror"},
        {"5.5.5", "systemerror"},    {"5.5.6", "securityerror"},  {"5.6.0", "contenterror"},
        {"5.6.1", "contenterror"},   {"5.6.2", "contenterror"},   {"5.6.3", "contenterror"},
        {"5.6.5", "contenterror"},   {"5.6.6", "contenterror"},   {"5.6.7", "contenterror"},
        {"5.6.8", "contenterror"},   {"5.6.9", "contenterror"},   {"5.7.0", "securityerror"},
        {"5.7.1", "securityerror"},  {"5.7.2", "securityerror"},  {"5.7.3", "securityerror"},
        {"5.7.4", "securityerror"},  {"5.7.5", "securityerror"},  {"5.7.6", "securityerror"},
        {"5.7.7", "securityerror"},  {"5.7.8", "securityerror"},  {"5.7.9", "securityerror"},
        {"5.7.10", "securityerror"}, {"5.7.11", "securityerror"}, {"5.7.13", "suspend"},
        {"5.7.14", "securityerror"}, {"5.7.15", "securityerror"}, {"5.7.16", "mesgtoobig"},
        {"5.7.17", "hasmoved"},      {"5.7.18", "hasmoved"},      {"5.7.19", "securityerror"},
        {"5.7.20", "securityerror"}, {"5.7.21", "securityerror"}, {"5.7.22", "securityerror"},
        {"5.7.23", "securityerror"}, {"5.7.24", "securityerror"}, {"5.7.25", "blocked"},
        {"5.7.26", "securityerror"}, {"5.7.27", "notaccept"},
    };
    auto it = table.find(status);
    return it == table.end() ? "" : it->second;
}

std::string pseudoStatus(std::string_view reason, bool temporary) {
    static const std::unordered_map<std::string_view, const char*> temp = {
        {"blocked", "4.0.971"},      {"contenterror", "4.0.960"}, {"expired", "4.0.947"},
        {"filtered", "4.0.924"},     {"mailboxfull", "4.0.922"},  {"networkerror", "4.0.944"},
        {"notaccept", "4.0.932"},    {"onhold", "4.0.901"},       {"rejected", "4.0.918"},
        {"securityerror", "4.0.970"}, {"spamdetected", "4.0.980"}, {"systemerror", "4.0.930"},
        {"systemfull", "4.0.931"},   {"toomanyconn", "4.0.945"},  {"undefined", "4.0.900"},
    };
    static const std::unordered_map<std::string_view, const char*> perm = {
        {"blocked", "5.0.971"},       {"contenterror", "5.0.960"},  {"exceedlimit", "5.0.923"},
        {"expired", "5.0.947"},       {"filtered", "5.0.910"},      {"hasmoved", "5.0.916"},
        {"hostunknown", "5.0.912"},   {"mailboxfull", "5.0.922"},   {"mailererror", "5.0.939"},
        {"mesgtoobig", "5.0.934"},    {"networkerror", "5.0.944"},  {"norelaying", "5.0.909"},
        {"notaccept", "5.0.932"},     {"onhold", "5.0.901"},        {"policyviolation", "5.0.972"},
        {"rejected", "5.0.918"},      {"securityerror", "5.0.970"}, {"spamdetected", "5.0.980"},
        {"suspend", "5.0.921"},       {"systemerror", "5.0.930"},   {"systemfull", "5.0.931"},
        {"syntaxerror", "5.0.902"},   {"toomanyconn", "5.0.945"},   {"userunknown", "5.0.911"},
        {"undefined", "5.0.900"},     {"virusdetected", "5.0.971"},
    };
    if (temporary) {
        auto it = temp.find(reason);
        if (it != temp.end()) return it->second;
    }
    auto it = perm.find(reason);
    return it == perm.end() ? "" : it->second;
}

std::optional<bool> isPermanent(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::string code = findStatus(text);
    if (code.empty()) code = findReplyCode(text);
    char c = code.empty() ? '0' : code[0];
    if (c == '5') return true;
    if (c == '4') return false;
    if (c == '2') return std::nullopt;
    std::string v = lower(text);
    if (contains(v, "temporar") || contains(v, "persistent")) return false;
    if (contains(v, "permanent")) return true;
    return std::nullopt;
}

std::string softOrHard(std::string_view reason, std::string_view codeText) {
    if (reason.empty()) return "";
    if (reason == "delivered" || reason == "feedback" || reason == "vacation") return "";
    if (reason == "onhold" || reason == "undefined") return "soft";
    if (reason == "notaccept") {
        if (codeText.empty()) return "hard";
        std::string code = findStatus(codeText);
        if (code.empty()) code = findReplyCode(codeText);
        return !code.empty() && code[0] == '4' ? "soft" : "hard";
    }
    if (reason == "hasmoved" || reason == "hostunknown" || reason == "userunknown") return "hard";
    static const char* soft[] = {"blocked",       "contenterror",  "exceedlimit", "expired",
                                 "filtered",      "mailboxfull",   "mailererror", "mesgtoobig",
                                 "networkerror",  "norelaying",    "policyviolation", "rejected",
                                 "securityerror", "spamdetected",  "suspend",     "syntaxerror",
                                 "systemerror",   "systemfull",    "toomanyconn", "virusdetected"};
    for (const char* s : soft)
        if (reason == s) return "soft";
    return "";
}

}  // namespace v2v::bounce
