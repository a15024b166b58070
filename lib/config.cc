// Loading of v2v.yaml: file reading, YAML syntax errors and cross-key checks.
// The keys themselves are declared in config_keys.cc.
#include "config.h"

#include <fstream>
#include <sstream>

#include "config_schema.h"

namespace v2v {

void declareConfigKeys(Schema<Config>& s);  // config_keys.cc

namespace {
const Schema<Config>& schema() {
    static const Schema<Config> s = [] {
        Schema<Config> x;
        declareConfigKeys(x);
        return x;
    }();
    return s;
}
}  // namespace

std::string configWhere(const std::string& file, const YAML::Node& n, const std::string& path) {
    std::string out = file;
    YAML::Mark m = n.Mark();
    if (!m.is_null()) out += ":" + std::to_string(m.line + 1);
    out += ": ";
    if (!path.empty()) out += path + ": ";
    return out;
}

Config parseConfig(const std::string& yamlText, const std::string& file) {
    YAML::Node root;
    try {
        root = YAML::Load(yamlText);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
    }
    Config c;
    c.file = file;
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw ConfigError(file + ": the top level must be a mapping of sections");
    schema().parse(c, root, file);
    // Cross-key rules.
    for (std::size_t i = 0; i < c.gateway.jwt.keys.size(); ++i)
        if (c.gateway.jwt.keys[i].secret.size() < 32)
            throw ConfigError(file + ": gateway.jwt.keys[" + std::to_string(i) +
                              "].secret: must be at least 32 characters");
    for (std::size_t i = 0; i < c.tracking.keys.size(); ++i)
        if (c.tracking.keys[i].secret.size() < 32)
            throw ConfigError(file + ": tracking.keys[" + std::to_string(i) +
                              "].secret: must be at least 32 characters");
    return c;
}

ConfigPtr loadConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ": cannot read configuration file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::make_shared<const Config>(parseConfig(ss.str(), path));
}

std::vector<ConfigKeyInfo> configKeys() { return schema().infos(); }

}  // namespace v2v
