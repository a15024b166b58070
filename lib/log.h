// Logging to stderr and/or syslog (facility mail), Postfix style: the object
// the line is about (email id, queue id) first, then what happened.
//   V2V_LOG(warning, id) << "smtp " << host << ": " << strerror(errno);
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v2v {

enum class LogLevel { debug = 0, info, notice, warning, error, fatal };

struct LogConfig;

// Configure once at start (and on reload). `ident` is the program name.
void logInit(const std::string& ident, const LogConfig& cfg);
void logSetLevel(LogLevel level);
bool logEnabled(LogLevel level);
LogLevel logLevelFromString(const std::string& s);  // throws std::invalid_argument

// Emit one line: "<object>: <message>" (or just the message when object is empty).
void logLine(LogLevel level, std::string_view object, std::string_view message);
// Several lines (object, message) at one level, written to stderr in one
// write(2) (a batch of events logged at the cost of one line).
void logLines(LogLevel level, const std::vector<std::pair<std::string, std::string>>& lines);

// Removes CR, LF and other control bytes from text that came from outside,
// so a hostile value cannot forge log lines.
std::string logSafe(std::string_view s, std::size_t max = 512);

class LogStream {
public:
    LogStream(LogLevel level, std::string_view object) : level_(level), object_(object) {}
    ~LogStream() { logLine(level_, object_, ss_.str()); }
    template <class T>
    LogStream& operator<<(const T& v) {
        ss_ << v;
        return *this;
    }

private:
    LogLevel level_;
    std::string object_;
    std::ostringstream ss_;
};

}  // namespace v2v

// A for-statement rather than if/else, so `if (x) V2V_LOG(...) << y;` has no dangling else.
#define V2V_LOG(level, object)                                                                   \
    for (bool v2v_log_on_ = ::v2v::logEnabled(::v2v::LogLevel::level); v2v_log_on_; v2v_log_on_ = false) \
    ::v2v::LogStream(::v2v::LogLevel::level, (object))
