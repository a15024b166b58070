// Logging: line format, one line per event (batched or not), level filter, logSafe.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config.h"
#include "log.h"

using namespace v2v;

namespace {
// Runs `f` with stderr sent to a temporary file; returns what was written.
template <class F>
std::string captureStderr(F f) {
    char path[] = "/tmp/v2v-log-test-XXXXXX";
    int fd = mkstemp(path);
    BOOST_REQUIRE(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    f();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    unlink(path);
    return ss.str();
}

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

struct LogSetup {
    LogSetup() {
        LogConfig c;
        c.level = "info";
        logInit("v2v-test", c);
    }
    ~LogSetup() { logSetLevel(LogLevel::info); }
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(log_lines_one_line_per_event_in_order, LogSetup) {
    std::string out = captureStderr([] {
        logLines(LogLevel::info, {{"01AAA", "accepted size=10"}, {"01BBB", "accepted size=20"}, {"", "no object"}});
    });
    auto l = lines(out);
    BOOST_REQUIRE_EQUAL(l.size(), 3u);
    const std::string pid = "v2v-test[" + std::to_string(getpid()) + "]: ";
    BOOST_TEST(l[0].find(pid + "01AAA: accepted size=10") != std::string::npos);
    BOOST_TEST(l[1].find(pid + "01BBB: accepted size=20") != std::string::npos);
    BOOST_TEST(l[2].substr(l[2].size() - (pid.size() + 9)) == pid + "no object");
    BOOST_TEST(l[0].size() > 20u);
    BOOST_TEST(l[0][4] == '-');  // starts with the UTC time stamp
}

BOOST_FIXTURE_TEST_CASE(log_lines_and_log_line_agree, LogSetup) {
    std::string one = captureStderr([] { logLine(LogLevel::warning, "q1", "deferred"); });
    std::string batch = captureStderr([] { logLines(LogLevel::warning, {{"q1", "deferred"}}); });
    auto a = lines(one), b = lines(batch);
    BOOST_REQUIRE_EQUAL(a.size(), 1u);
    BOOST_REQUIRE_EQUAL(b.size(), 1u);
    // Same text after the time stamp (which may differ by a second).
    BOOST_TEST(a[0].substr(a[0].find(' ')) == b[0].substr(b[0].find(' ')));
    BOOST_TEST(a[0].find("q1: warning: deferred") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(log_level_filters_lines, LogSetup) {
    logSetLevel(LogLevel::warning);
    std::string out = captureStderr([] {
        logLines(LogLevel::info, {{"x", "hidden"}});
        logLine(LogLevel::info, "x", "hidden");
        V2V_LOG(info, "x") << "hidden";
        V2V_LOG(error, "x") << "shown " << 42;
    });
    auto l = lines(out);
    BOOST_REQUIRE_EQUAL(l.size(), 1u);
    BOOST_TEST(l[0].find("x: error: shown 42") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(log_safe_removes_control_bytes_and_truncates) {
    BOOST_TEST(logSafe("a\r\nb\x7f" "c") == "a??b?c");
    BOOST_TEST(logSafe(std::string(10, 'x'), 4) == "xxxx...");
}
