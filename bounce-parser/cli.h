// Command line of v2v-bounce-parser and the program's run modes:
//   v2v-bounce-parser [-c FILE] [--parse-only] [SENDER RECIPIENT]
// Exit codes follow sysexits(3): 0 recorded / parsed, 75 EX_TEMPFAIL on
// anything transient (Postfix retries), 78 EX_CONFIG on bad configuration
// or usage, 65 EX_DATAERR when --parse-only input is not a message.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace v2v::bounce {

enum Exit { kOk = 0, kDataErr = 65, kIoErr = 74, kTempFail = 75, kConfig = 78 };

struct Options {
    std::string configFile = "/etc/v2v/v2v.yaml";
    bool parseOnly = false;
    bool help = false;
    bool version = false;
    std::string sender;     // envelope sender of the report (usually empty: null sender)
    std::string recipient;  // the VERP address the report was sent to
};

// Parses argv; on error returns nullopt and writes the message to `err`.
std::optional<Options> parseOptions(const std::vector<std::string>& args, std::ostream& err);
std::string usageText();

// Runs the program on stdin; returns the exit code.
int run(const Options& o);

}  // namespace v2v::bounce
