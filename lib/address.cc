// Address parsing (see address.h).
#include "address.h"

#include "text_checks.h"

#include <idn2.h>

#include <cctype>
#include <cstdlib>

namespace v2v {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string checkLocal(std::string_view l) {
    if (l.empty()) return "the local part is empty";
    if (l.size() > 64) return "the local part is longer than 64 characters";
    if (l.front() == '.' || l.back() == '.' || l.find("..") != std::string_view::npos)
        return "the local part has a misplaced '.'";
    for (unsigned char c : l)
        if (!isAtext(static_cast<char>(c)) && c != '.') return "the local part holds a character that is not allowed";
    return "";
}

std::string checkAsciiDomain(const std::string& d) {
    if (d.empty() || d.size() > 253) return "the domain is empty or too long";
    if (d.find('.') == std::string::npos) return "the domain must hold a dot";
    std::size_t start = 0;
    while (start <= d.size()) {
        std::size_t dot = d.find('.', start);
        std::string_view label(d.data() + start, (dot == std::string::npos ? d.size() : dot) - start);
        if (label.empty() || label.size() > 63) return "the domain has an empty or too long label";
        if (label.front() == '-' || label.back() == '-') return "a domain label starts or ends with '-'";
        for (unsigned char c : label)
            if (!std::isalnum(c) && c != '-') return "the domain holds a character that is not allowed";
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return "";
}

}  // namespace

bool hasLineBreak(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string Mailbox::domain() const {
    auto at = email.rfind('@');
    return at == std::string::npos ? std::string() : email.substr(at + 1);
}

std::string normalizeAddress(std::string_view addr, std::string& out) {
    if (addr.size() > 320) return "the address is too long";
    if (hasLineBreak(addr)) return "the address holds a line break";
    auto at = addr.rfind('@');
    if (at == std::string_view::npos) return "the address has no '@'";
    std::string err = checkLocal(addr.substr(0, at));
    if (!err.empty()) return err;
    std::string domain(addr.substr(at + 1));
    bool ascii = true;
    for (unsigned char c : domain) ascii = ascii && c < 0x80;
    if (!ascii) {
        char* alabel = nullptr;
        int rc = idn2_to_ascii_8z(domain.c_str(), &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) return std::string("the domain is not a valid IDN: ") + idn2_strerror(rc);
        domain = alabel;
        idn2_free(alabel);
    }
    for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    err = checkAsciiDomain(domain);
    if (!err.empty()) return err;
    out = std::string(addr.substr(0, at)) + "@" + domain;
    return "";
}

std::string parseMailbox(std::string_view text, Mailbox& out) {
    if (text.size() > 1024) return "the address is too long";
    if (hasLineBreak(text)) return "the address holds a line break";
    text = trim(text);
    out = Mailbox{};
    std::string_view addr = text;
    if (!text.empty() && text.back() == '>') {
        auto lt = text.rfind('<');
        if (lt == std::string_view::npos) return "unbalanced '>'";
        addr = text.substr(lt + 1, text.size() - lt - 2);
        std::string_view name = trim(text.substr(0, lt));
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
            // quoted display name: undo \" and \\ escapes
            std::string n;
            for (std::size_t i = 1; i + 1 < name.size(); ++i) {
                if (name[i] == '\\' && i + 2 < name.size()) ++i;
                n += name[i];
            }
            out.name = n;
        } else {
            out.name = std::string(name);
        }
    }
    if (addr.find_first_of("<>\" ,;") != std::string_view::npos) return "the address is malformed";
    return normalizeAddress(addr, out.email);
}

}  // namespace v2v
