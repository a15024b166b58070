// Command line of v2v-milter: v2v-milter [-c FILE] [--check-config]
// [--dns-records] [--help] [--version]. Pure parsing, for tests.
#pragma once

#include <string>
#include <vector>

namespace v2v::milter {

struct Options {
    enum class Mode { run, checkConfig, dnsRecords, help, version } mode = Mode::run;
    std::string configFile = "/etc/v2v/v2v.yaml";
};

// Throws std::invalid_argument with a message for the user.
Options parseOptions(const std::vector<std::string>& args);

// The --help text.
std::string usageText();

}  // namespace v2v::milter
