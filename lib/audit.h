// The audit log (log.audit_file): one JSON object per line for every
// authenticated API request (gateway) and every change made with v2vctl.
// Each line (or batch of whole lines) is one write(2) on an O_APPEND
// descriptor, so the gateway's threads and v2vctl processes never interleave lines; the file is reopened
// when it was renamed or removed (log rotation; looked at once a second).
// Never give it secrets.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace v2v {

class AuditLog {
public:
    AuditLog() = default;
    explicit AuditLog(std::string path) : path_(std::move(path)) {}
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    bool enabled() const { return !path_.empty(); }
    const std::string& path() const { return path_; }
    // Opens (creating it 0660 less the umask) now; false with `error` set when it cannot.
    bool open(std::string& error);
    // Appends {"ts": ..., then the record's fields}. False when the line could
    // not be written (the caller decides; the gateway logs it once a minute).
    bool write(const nlohmann::ordered_json& record);
    // The same with the time given (write uses the clock).
    bool writeAt(std::int64_t unixMs, const nlohmann::ordered_json& record);
    // Lines already made by auditLine(), each ending in a newline, in one
    // write(2) (`unixMs` paces the rotation check).
    bool appendLines(std::int64_t unixMs, const std::string& lines);

    // How often (at most) the path is looked at for a rotation.
    static constexpr std::int64_t kRotationCheckMs = 1000;

private:
    std::string path_;
    std::mutex mutex_;
    int fd_ = -1;
    std::uint64_t inode_ = 0;
    std::int64_t lastCheckMs_ = 0;
    bool openLocked(std::string& error);
};

// "2026-11-28T10:00:00.123Z" for a Unix time in milliseconds.
std::string auditTime(std::int64_t unixMs);
std::int64_t nowMillis();

// One audit line (without the newline): "ts" first, then the record's fields.
std::string auditLine(std::int64_t unixMs, const nlohmann::ordered_json& record);

// Appends `s` as a JSON string exactly as auditLine() writes one (UTF-8 kept,
// invalid UTF-8 replaced, control characters escaped), for lines written
// field by field without building a JSON value first.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace v2v
