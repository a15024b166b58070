// Logging backend: one mutex-protected write per line so lines from threads
// never interleave; syslog(3) with LOG_MAIL when enabled.
#include "log.h"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "config.h"
#include "write_all.h"

namespace v2v {
namespace {
std::mutex g_mutex;
std::string g_ident = "v2v";
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<bool> g_stderr{true};
std::atomic<bool> g_syslog{false};

const char* levelName(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::notice: return "notice";
        case LogLevel::warning: return "warning";
        case LogLevel::error: return "error";
        case LogLevel::fatal: return "fatal";
    }
    return "info";
}

int syslogPriority(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return LOG_DEBUG;
        case LogLevel::info: return LOG_INFO;
        case LogLevel::notice: return LOG_NOTICE;
        case LogLevel::warning: return LOG_WARNING;
        case LogLevel::error: return LOG_ERR;
        case LogLevel::fatal: return LOG_CRIT;
    }
    return LOG_INFO;
}
}  // namespace

LogLevel logLevelFromString(const std::string& s) {
    for (int i = 0; i <= static_cast<int>(LogLevel::fatal); ++i)
        if (s == levelName(static_cast<LogLevel>(i))) return static_cast<LogLevel>(i);
    throw std::invalid_argument("unknown log level: " + s);
}

void logInit(const std::string& ident, const LogConfig& cfg) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_ident = ident;
    g_level = static_cast<int>(logLevelFromString(cfg.level));
    g_stderr = cfg.to_stderr;
    if (cfg.to_syslog && !g_syslog) openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
    g_syslog = cfg.to_syslog;
}

void logSetLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool logEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

std::string logSafe(std::string_view s, std::size_t max) {
    std::string out;
    out.reserve(std::min(s.size(), max));
    for (char ch : s) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        unsigned char u = static_cast<unsigned char>(ch);
        out += (u < 0x20 || u == 0x7f) ? '?' : ch;
    }
    return out;
}

namespace {
std::string lineBody(LogLevel level, std::string_view object, std::string_view message) {
    std::string body;
    body.reserve(object.size() + message.size() + 12);
    if (!object.empty()) {
        body.append(object);
        body += ": ";
    }
    if (level >= LogLevel::warning) {
        body += levelName(level);
        body += ": ";
    }
    body.append(message);
    return body;
}

// Every body as one line each: one write(2) to stderr for all, one syslog(3) call per line.
void emit(LogLevel level, const std::vector<std::string>& bodies) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_stderr) {
        char ts[32];
        std::time_t now = std::time(nullptr);
        struct tm tmv;
        gmtime_r(&now, &tmv);
        std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
        const std::string prefix = std::string(ts) + " " + g_ident + "[" + std::to_string(getpid()) + "]: ";
        std::string out;
        for (const auto& b : bodies) {
            out += prefix;
            out += b;
            out += '\n';
        }
        writeAll(STDERR_FILENO, out.data(), out.size());  // nowhere to report a failure
    }
    if (g_syslog)
        for (const auto& b : bodies) syslog(syslogPriority(level), "%s", b.c_str());
}
}  // namespace

void logLine(LogLevel level, std::string_view object, std::string_view message) {
    if (!logEnabled(level)) return;
    emit(level, {lineBody(level, object, message)});
}

void logLines(LogLevel level, const std::vector<std::pair<std::string, std::string>>& lines) {
    if (!logEnabled(level) || lines.empty()) return;
    std::vector<std::string> bodies;
    bodies.reserve(lines.size());
    for (const auto& [object, message] : lines) bodies.push_back(lineBody(level, object, message));
    emit(level, bodies);
}

}  // namespace v2v
