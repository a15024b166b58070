// v2vctl argument parsing.
#include "args.h"

namespace v2v::ctl {

Args Args::parse(const std::vector<std::string>& argv, const std::set<std::string>& valued,
                 const std::set<std::string>& flags) {
    Args a;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& s = argv[i];
        if (s.rfind("--", 0) != 0 || s == "--") {
            a.positional.push_back(s);
            continue;
        }
        std::string name = s, value;
        bool inlineValue = false;
        if (auto eq = s.find('='); eq != std::string::npos) {
            name = s.substr(0, eq);
            value = s.substr(eq + 1);
            inlineValue = true;
        }
        if (valued.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= argv.size()) throw UsageError(name + " needs a value");
                value = argv[++i];
            }
            a.options[name] = value;
        } else if (flags.count(name) && !inlineValue) {
            a.options[name] = "";
        } else {
            throw UsageError("unknown option " + name);
        }
    }
    return a;
}

std::optional<std::string> Args::get(const std::string& o) const {
    auto it = options.find(o);
    if (it == options.end()) return std::nullopt;
    return it->second;
}

long long Args::getInt(const std::string& o, long long def, long long min, long long max) const {
    auto v = get(o);
    if (!v) return def;
    try {
        std::size_t pos = 0;
        long long n = std::stoll(*v, &pos);
        if (pos != v->size() || n < min || n > max) throw std::out_of_range(o);
        return n;
    } catch (const std::logic_error&) {
        throw UsageError(o + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
    }
}

double Args::getDouble(const std::string& o, double def, double min, double max) const {
    auto v = get(o);
    if (!v) return def;
    try {
        std::size_t pos = 0;
        double n = std::stod(*v, &pos);
        if (pos != v->size() || n < min || n > max) throw std::out_of_range(o);
        return n;
    } catch (const std::logic_error&) {
        throw UsageError(o + " must be a number in " + std::to_string(min) + ".." + std::to_string(max));
    }
}

}  // namespace v2v::ctl
