// Audit log writer (see audit.h).
#include "audit.h"

#include "write_all.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace v2v {

std::int64_t nowMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string auditTime(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tmv);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

std::string auditLine(std::int64_t ms, const nlohmann::ordered_json& record) {
    nlohmann::ordered_json line;
    line["ts"] = auditTime(ms);
    for (auto it = record.begin(); it != record.end(); ++it)
        if (it.key() != "ts") line[it.key()] = it.value();
    // Invalid UTF-8 from outside is replaced, never an exception.
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void appendJsonString(std::string& out, std::string_view s) {
    bool plain = true;  // printable ASCII without a quote or backslash: written as it is
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            plain = false;
            break;
        }
    if (plain) {
        out += '"';
        out.append(s);
        out += '"';
        return;
    }
    out += nlohmann::ordered_json(std::string(s)).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

AuditLog::~AuditLog() {
    if (fd_ >= 0) ::close(fd_);
}

bool AuditLog::open(std::string& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    return openLocked(error);
}

bool AuditLog::openLocked(std::string& error) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
    if (fd_ < 0) {
        error = path_ + ": " + std::strerror(errno);
        return false;
    }
    struct stat st;
    inode_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
    return true;
}

bool AuditLog::write(const nlohmann::ordered_json& record) { return writeAt(nowMillis(), record); }

bool AuditLog::writeAt(std::int64_t unixMs, const nlohmann::ordered_json& record) {
    if (!enabled()) return true;
    return appendLines(unixMs, auditLine(unixMs, record) + "\n");
}

bool AuditLog::appendLines(std::int64_t unixMs, const std::string& lines) {
    if (!enabled() || lines.empty()) return true;
    std::lock_guard<std::mutex> lock(mutex_);
    std::string error;
    // Reopen after rotation (the path now names another file, or none), looked
    // at once per kRotationCheckMs: a line written in between goes to the
    // renamed file, as with any logger that is not told of the rotation.
    if (fd_ < 0 || unixMs - lastCheckMs_ >= kRotationCheckMs || unixMs < lastCheckMs_) {
        lastCheckMs_ = unixMs;
        struct stat st;
        if (fd_ < 0 || ::stat(path_.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_ino) != inode_)
            if (!openLocked(error)) return false;
    }
    return writeAll(fd_, lines.data(), lines.size());
}

}  // namespace v2v
