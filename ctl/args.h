// Tiny argv parser for v2vctl subcommands: positionals and --long[=value] options.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace v2v::ctl {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;  // "--name" -> value ("" for flags)

    // `valued`: options that take a value; `flags`: options that don't. Others are errors.
    static Args parse(const std::vector<std::string>& argv, const std::set<std::string>& valued,
                      const std::set<std::string>& flags);
    bool has(const std::string& o) const { return options.count(o) > 0; }
    std::optional<std::string> get(const std::string& o) const;
    long long getInt(const std::string& o, long long def, long long min, long long max) const;
    double getDouble(const std::string& o, double def, double min, double max) const;
};

}  // namespace v2v::ctl
