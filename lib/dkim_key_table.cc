// DKIM key table file (see dkim_key_table.h).
#include "dkim_key_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "records.h"

namespace v2v {
namespace {

bool validName(const std::string& v, bool dots) {
    if (v.empty() || v.size() > 253) return false;
    for (char c : v)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || (!dots && c == '_')))
            return false;
    return true;
}

std::time_t dayToTime(const std::string& day) {
    struct tm t {};
    t.tm_year = std::stoi(day.substr(0, 4)) - 1900;
    t.tm_mon = std::stoi(day.substr(5, 2)) - 1;
    t.tm_mday = std::stoi(day.substr(8, 2));
    t.tm_hour = 12;
    return timegm(&t);
}

}  // namespace

bool validDay(const std::string& d) {
    if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
    // Round trip through timegm: 2026-02-30 comes back as another day.
    return utcDay(dayToTime(d)) == d;
}

std::string addDays(const std::string& day, int days) {
    return utcDay(dayToTime(day) + static_cast<std::time_t>(days) * 86400);
}

bool keyActive(const KeyTableEntry& e, const std::string& today) {
    return e.retire_after.empty() || today <= e.retire_after;
}

std::vector<KeyTableEntry> parseKeyTable(const std::string& text, const std::string& file) {
    std::vector<KeyTableEntry> out;
    std::set<std::string> seen;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        auto fail = [&](const std::string& what) {
            throw ConfigError("milter.dkim.key_table: " + file + ":" + std::to_string(n) + ": " + what);
        };
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream ls(line);
        std::vector<std::string> f;
        for (std::string w; ls >> w;) f.push_back(w);
        if (f.empty()) continue;
        if (f.size() < 4 || f.size() > 5) fail("expected DOMAIN SELECTOR ALGORITHM KEY_FILE [RETIRE_AFTER]");
        KeyTableEntry e{toLowerAscii(f[0]), f[1], f[2], f[3], f.size() == 5 ? f[4] : ""};
        if (!validName(e.domain, true)) fail("bad domain " + e.domain);
        if (!validName(e.selector, false) || e.selector.size() > 63) fail("bad selector " + e.selector);
        if (e.algorithm != "rsa-sha256" && e.algorithm != "ed25519-sha256")
            fail("algorithm must be rsa-sha256 or ed25519-sha256");
        if (e.key_file.empty() || e.key_file[0] != '/') fail("KEY_FILE must be an absolute path");
        if (!e.retire_after.empty() && !validDay(e.retire_after)) fail("RETIRE_AFTER must be a date YYYY-MM-DD");
        if (!seen.insert(e.domain + " " + e.selector).second)
            fail("selector " + e.selector + " of " + e.domain + " is listed twice");
        out.push_back(std::move(e));
    }
    return out;
}

std::string formatKeyTable(const std::vector<KeyTableEntry>& entries) {
    std::string out =
        "# DKIM key table of V2V Mail, managed by v2vctl dkim (see v2vctl(8)).\n"
        "# DOMAIN SELECTOR ALGORITHM KEY_FILE [RETIRE_AFTER (last day it signs, UTC)]\n";
    for (const auto& e : entries) {
        out += e.domain + " " + e.selector + " " + e.algorithm + " " + e.key_file;
        if (!e.retire_after.empty()) out += " " + e.retire_after;
        out += "\n";
    }
    return out;
}

std::vector<KeyTableEntry> loadKeyTable(const std::string& path) {
    struct stat st {};
    if (path.empty() || (::stat(path.c_str(), &st) != 0 && errno == ENOENT)) return {};
    std::ifstream in(path);
    if (!in) throw ConfigError("milter.dkim.key_table: cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return parseKeyTable(ss.str(), path);
}

void saveKeyTable(const std::string& path, const std::vector<KeyTableEntry>& entries) {
    std::string tmp = path + ".tmp";
    std::string text = formatKeyTable(entries);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) throw std::runtime_error(tmp + ": " + std::strerror(errno));
    // The milter reads it through its group: 0640 whatever the umask of the caller.
    if (::fchmod(fd, 0640) != 0) { /* best effort */ }
    struct stat st {};
    // Keep the group of an existing table (the milter's), else of its directory.
    if (::stat(path.c_str(), &st) == 0 || ::stat(path.substr(0, path.rfind('/') + 1).c_str(), &st) == 0)
        if (::fchown(fd, static_cast<uid_t>(-1), st.st_gid) != 0) { /* best effort */ }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string err = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw std::runtime_error(path + ": " + err);
    }
}

std::vector<DkimKeyConfig> signingKeys(const MilterDkimConfig& dkim, std::int64_t now) {
    std::vector<DkimKeyConfig> keys = dkim.keys;
    std::string today = utcDay(now);
    for (const auto& e : loadKeyTable(dkim.key_table))
        if (keyActive(e, today)) keys.push_back({e.domain, e.selector, e.key_file, e.algorithm});
    return keys;
}

}  // namespace v2v
