// SMTP protocol helpers (see smtp_protocol.h).
#include "smtp_protocol.h"

#include <cctype>
#include <sstream>
#include <stdexcept>

namespace v2v::gw {

std::string SmtpReply::str() const {
    std::string s = std::to_string(code);
    if (!enhanced.empty()) s += " " + enhanced;
    if (!text.empty()) s += " " + text;
    return s;
}

namespace {
// Splits "5.1.1 text" into ("5.1.1", "text") when the text starts with an
// enhanced status code of the reply's class; else ("", text).
std::pair<std::string_view, std::string_view> splitEnhanced(std::string_view text, int cls) {
    if (text.empty() || text[0] != static_cast<char>('0' + cls)) return {{}, text};
    std::size_t j = 1, dots = 0;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) {
        if (text[j] == '.') {
            if (text[j - 1] == '.') return {{}, text};
            ++dots;
        }
        ++j;
    }
    if (dots != 2 || text[j - 1] == '.' || (j < text.size() && text[j] != ' ')) return {{}, text};
    return {text.substr(0, j), text.substr(std::min(j + 1, text.size()))};
}
}  // namespace

std::optional<SmtpReply> ReplyParser::feed(std::string_view line) {
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2])) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
        throw std::runtime_error("malformed SMTP reply line");
    if (line.size() > 2048) line = line.substr(0, 2048);
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!started_) {
        cur_ = SmtpReply{};
        cur_.code = code;
        started_ = true;
    } else if (code != cur_.code) {
        started_ = false;
        throw std::runtime_error("SMTP reply code changed within a reply");
    }
    auto [enhanced, rest] = splitEnhanced(line.size() > 4 ? line.substr(4) : std::string_view(), code / 100);
    if (cur_.enhanced.empty()) cur_.enhanced = std::string(enhanced);
    if (cur_.lines.size() < 100) cur_.lines.emplace_back(rest);
    if (!rest.empty()) {
        if (!cur_.text.empty()) cur_.text += " / ";
        cur_.text.append(rest);
    }
    if (line.size() == 3 || line[3] == ' ') {
        started_ = false;
        return cur_;
    }
    return std::nullopt;
}

std::set<std::string> ehloKeywords(const SmtpReply& ehlo) {
    std::set<std::string> out;
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {  // line 0 is the greeting
        std::string kw = ehlo.lines[i].substr(0, ehlo.lines[i].find(' '));
        for (auto& c : kw) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!kw.empty()) out.insert(kw);
    }
    return out;
}

std::string xtext(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (c < 33 || c > 126 || c == '+' || c == '=') {
            out += '+';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string dotStuff(std::string_view m) {
    std::string out;
    out.reserve(m.size() + m.size() / 50 + 8);
    bool bol = true;
    for (std::size_t i = 0; i < m.size(); ++i) {
        char c = m[i];
        if (bol && c == '.') out += '.';
        if (c == '\n') {
            if (out.empty() || out.back() != '\r') out += '\r';
            out += '\n';
            bol = true;
            continue;
        }
        if (c == '\r' && (i + 1 >= m.size() || m[i + 1] != '\n')) {
            out += "\r\n";  // bare CR → CRLF
            bol = true;
            continue;
        }
        out += c;
        bol = c == '\r' ? bol : false;
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    out += ".\r\n";
    return out;
}

}  // namespace v2v::gw
