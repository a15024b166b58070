// Address extraction (see report_address.h). The scanner is a small state machine
// over the characters: <address>, (comment), "quoted" and display name.
#include "report_address.h"

#include "pattern.h"
#include "text.h"

namespace v2v::bounce {
namespace {

enum : unsigned { kInAddress = 1, kInComment = 4 };

struct Part {
    std::string address, name, comment;
};

std::string& target(Part& v, int p) { return p == 1 ? v.address : p == 2 ? v.comment : v.name; }

void cleanFound(std::vector<Part>& parts, std::vector<FoundAddress>& out) {
    static const Regex hasAt(R"(\A.+[@].+\z)");
    static const Regex literal(R"([@]\[[0-9A-Za-z:\.]+\]\z)");
    static const Regex quotedLocal(R"(\A["].+["][@])");
    for (auto& e : parts) {
        bool printable = true;
        for (unsigned char c : e.address)
            if (c < 0x20 || c > 0x7e) printable = false;
        if (!printable) continue;
        if (!hasAt.test(e.address) && !isMailerDaemon(e.address)) continue;
        std::string& a = e.address;
        if (!a.empty() && std::string_view("[<{('`").find(a.front()) != std::string_view::npos) a.erase(0, 1);
        if (!a.empty() && std::string_view(".'`>});").find(a.back()) != std::string_view::npos) a.pop_back();
        if (!a.empty() && a.back() == ']' && !literal.test(a)) a.pop_back();
        if (!quotedLocal.test(a)) {
            if (!a.empty() && a.front() == '"') a.erase(0, 1);
            if (!a.empty() && a.back() == '"') a.pop_back();
        }
        out.push_back({a, std::string(trim(e.name)), e.comment});
    }
}

// Splits an address list into parts, character by character (the reference's
// state machine: name, <address>, (comment)).
class AddressSplitter {
public:
    void feed(char e) {
        switch (e) {
        case '\r':
        case '\n': break;
        case ',': comma(e); break;
        case '<': openAngle(e); break;
        case '>': closeAngle(e); break;
        case '(': openParen(e); break;
        case ')': closeParen(e); break;
        default: target(v_, p_) += e;
        }
    }
    // The parts; the last one without "<address>" is looked for in its text.
    std::vector<Part> finish() {
        if (!v_.address.empty()) {
            buffer_.push_back(std::move(v_));
            return std::move(buffer_);
        }
        static const Regex valid(R"((?:([^\s]+|["].+?["]))[@](?:([^@\s]+|[0-9A-Za-z:\.]+)))");
        static const Regex comment(R"((.*)([(].+[)])(.*))");
        Match m;
        if (valid.search(v_.name, m))
            v_.address = m.str(1) + "@" + m.str(2);
        else if (isMailerDaemon(v_.name))
            v_.address = v_.name;
        if (!v_.address.empty()) {
            if (comment.search(v_.address, m)) {
                v_.comment = m.str(2);
                v_.address = m.str(1) + m.str(3);
            }
            buffer_.push_back(std::move(v_));
        }
        return std::move(buffer_);
    }

private:
    void comma(char e) {
        if (!(startsWith(v_.address, "<") && contains(v_.address, "@") && endsWith(v_.address, ">"))) {
            target(v_, p_) += e;
        } else if (cursor_ & kInComment) {
            v_.comment += e;
        } else {
            cursor_ = 0;
            buffer_.push_back(std::move(v_));
            v_ = Part();
            p_ = 0;
        }
    }
    void openAngle(char e) {
        if (!v_.address.empty()) {
            target(v_, p_) += e;
        } else {
            cursor_ |= kInAddress;
            v_.address += e;
            p_ = 1;
        }
    }
    void closeAngle(char e) {
        if (cursor_ & kInAddress) {
            cursor_ &= ~kInAddress;
            v_.address += e;
            p_ = 0;
        } else {
            (p_ ? v_.comment : v_.name) += e;
        }
    }
    void openParen(char e) {
        if ((cursor_ & kInAddress) && contains(v_.address, "\"")) {
            v_.address += e;
            return;
        }
        if ((cursor_ & kInAddress) || !(cursor_ & kInComment)) {
            cursor_ |= kInComment;
            p_ = 2;
        }
        if (endsWith(v_.comment, ")")) v_.comment += ' ';
        v_.comment += e;
    }
    void closeParen(char e) {
        if (cursor_ & kInAddress) {
            if (contains(v_.address, "\"")) {
                v_.address += e;
            } else {
                cursor_ &= ~kInComment;
                v_.comment += e;
                p_ = 1;
            }
        } else if (cursor_ & kInComment) {
            cursor_ &= ~kInComment;
            v_.comment += e;
            p_ = 0;
        } else {
            v_.name += e;
            p_ = 0;
        }
    }

    std::vector<Part> buffer_;
    Part v_;
    unsigned cursor_ = 0;
    int p_ = 0;  // 0 = name, 1 = address, 2 = comment
};

}  // namespace

std::vector<FoundAddress> findAddresses(std::string_view text) {
    AddressSplitter splitter;
    for (char e : text) splitter.feed(e);
    std::vector<Part> buffer = splitter.finish();
    std::vector<FoundAddress> out;
    cleanFound(buffer, out);
    return out;
}

std::string firstAddress(std::string_view text) {
    auto found = findAddresses(text);
    return found.empty() ? std::string(text) : found.front().address;
}

bool isEmailAddress(std::string_view s) {
    static const Regex re(
        R"(\A(?:[a-zA-Z0-9_!#\$\%&'*+/=?\^`{}~|\-]+(?:[.][a-zA-Z0-9_!#\$\%&'*+/=?\^`{}~|\-]+)*|"(?:\\[^\r\n]|[^\\"])*")[.]*[@](?:[a-zA-Z0-9_!#\$\%&'*+/=?\^`{}~|\-]+(?:[.][a-zA-Z0-9_!#\$\%&'*+/=?\^`{}~|\-]+)*|\[(?:\\[\x01-\x09\x0B-\x0c\x0e-\x7f]|[\x21-\x5a\x5e-\x7e])*\])\z)");
    if (s.size() > 254) return false;
    for (unsigned char c : s)
        if (c < 0x20) return false;
    return re.test(s);
}

bool isMailerDaemon(std::string_view s) {
    static const Regex re(
        R"((?:mailer-daemon|postmaster)[@]|[<(](?:mailer-daemon|postmaster)[)>]|\A(?:mailer-daemon|postmaster)\z|[ ]?mailer-daemon[ ])");
    return re.test(lower(s));
}

std::string cleanRecipient(std::string_view s) {
    static const Regex plain(R"(\A([^\s]+)[@]([^@]+)\z)");
    static const Regex quoted(R"(\A(["].+?["])[@]([^@]+)\z)");
    Match m;
    if (plain.search(s, m) || quoted.search(s, m)) {
        std::string local = m.str(1), domain = m.str(2);
        if (startsWith(local, "<")) local.erase(0, 1);
        for (char t : {'>', ',', '.', ';'})
            if (!domain.empty() && domain.back() == t) domain.pop_back();
        return local + "@" + domain;
    }
    if (isMailerDaemon(s) && !contains(s, " ")) return std::string(s);
    return "";
}

std::vector<std::string> receivedHosts(std::string_view r) {
    static const Regex qmail(R"(qmail[ \t]+.+invoked[ \t]+)");
    static const Regex fromBy(R"(\Afrom[ \t]+(.+)[ \t]+by[ \t]+([^ ]+))");
    static const Regex byOnly(R"(\bby[ \t]+([^ ]+)(.+))");
    static const Regex ipv4(R"(\A[(\[]\d+[.]\d+[.]\d+[.]\d+[)\]]\z)");
    static const Regex private172(R"(\A172[.](?:1[6-9]|2[0-9]|3[0-1])[.])");
    if (r.empty() || qmail.test(r)) return {};
    std::string from, by;
    Match m;
    if (fromBy.search(r, m)) {
        from = m.str(1);
        by = m.str(2);
    } else if (byOnly.search(r, m)) {
        from = m.str(1) + m.str(2);
        by = m.str(1);
    }
    if (contains(from, " ")) {
        std::vector<std::string> names, addrs;
        for (auto w : splitChar(from, ' ')) {
            if (w.empty()) continue;
            std::string e(w);
            bool isAddr = ipv4.test(e);
            std::string stripped;
            for (char c : e)
                if (!(c == '(' || c == ')' || (isAddr && (c == '[' || c == ']')))) stripped += c;
            (isAddr ? addrs : names).push_back(stripped);
        }
        std::string host;
        for (const auto& n : names)
            if (contains(n, ".")) {
                host = n;
                break;
            }
        if (host.empty())
            for (const auto& a : addrs) {
                if (startsWith(a, "10.") || startsWith(a, "127.") || startsWith(a, "192.168.") ||
                    private172.test(a))
                    continue;
                host = a;
                break;
            }
        if (host.empty() && !addrs.empty()) host = addrs.back();
        from = host;
    }
    std::vector<std::string> out;
    for (std::string v : {from, by}) {
        std::string c;
        for (char ch : v)
            if (std::string_view("()[];?").find(ch) == std::string_view::npos) c += ch;
        out.push_back(c);
    }
    return out;
}

}  // namespace v2v::bounce
