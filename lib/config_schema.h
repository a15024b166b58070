// Declarative YAML schema: each key is declared once with its bounds and doc;
// the default is the struct's own member initializer, read back for docs.
// Walking a document rejects unknown keys and names file:line: key.path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config.h"

namespace v2v {

// "file:LINE: path: message"
std::string configWhere(const std::string& file, const YAML::Node& n, const std::string& path);

template <class Root>
class Schema {
public:
    using Apply = std::function<void(Root&, const YAML::Node&, const std::string& file,
                                     const std::string& path)>;
    struct Key {
        ConfigKeyInfo info;
        Apply apply;
        bool required = false;
        std::vector<ConfigKeyInfo> sub;  // element keys, for records
    };

    // Integer in [min, max].
    template <class Get>
    void integer(const std::string& path, Get get, long long min, long long max,
                 const std::string& doc) {
        Root defaults{};
        add(path, "int", std::to_string(get(defaults)), doc + " (" + std::to_string(min) +
                                                              ".." + std::to_string(max) + ")",
            [=](Root& r, const YAML::Node& n, const std::string& file, const std::string& p) {
                long long v = 0;
                bool ok = n.IsScalar();
                if (ok) {
                    try {
                        v = n.as<long long>();
                    } catch (const YAML::Exception&) {
                        ok = false;
                    }
                }
                if (!ok || v < min || v > max)
                    throw ConfigError(configWhere(file, n, p) + "must be an integer in " +
                                      std::to_string(min) + ".." + std::to_string(max) +
                                      gotText(n));
                get(r) = static_cast<std::remove_reference_t<decltype(get(r))>>(v);
            });
    }

    template <class Get>
    void boolean(const std::string& path, Get get, const std::string& doc) {
        Root defaults{};
        add(path, "bool", get(defaults) ? "true" : "false", doc,
            [=](Root& r, const YAML::Node& n, const std::string& file, const std::string& p) {
                bool v = false;
                bool ok = n.IsScalar();
                if (ok) {
                    try {
                        v = n.as<bool>();
                    } catch (const YAML::Exception&) {
                        ok = false;
                    }
                }
                if (!ok) throw ConfigError(configWhere(file, n, p) + "must be true or false" + gotText(n));
                get(r) = v;
            });
    }

    // String; `oneOf` non-empty restricts the values; `check` returns an error text or "".
    template <class Get>
    void string(const std::string& path, Get get, const std::string& doc,
                std::vector<std::string> oneOf = {},
                std::function<std::string(const std::string&)> check = {}) {
        Root defaults{};
        std::string d = doc;
        if (!oneOf.empty()) d += " (one of: " + join(oneOf) + ")";
        add(path, "string", get(defaults), d,
            [=](Root& r, const YAML::Node& n, const std::string& file, const std::string& p) {
                if (!n.IsScalar()) throw ConfigError(configWhere(file, n, p) + "must be a string");
                std::string v = n.Scalar();
                if (!oneOf.empty() && std::find(oneOf.begin(), oneOf.end(), v) == oneOf.end())
                    throw ConfigError(configWhere(file, n, p) + "must be one of " + join(oneOf) +
                                      gotText(n));
                if (check) {
                    std::string err = check(v);
                    if (!err.empty()) throw ConfigError(configWhere(file, n, p) + err);
                }
                get(r) = v;
            });
    }

    // A secret string: same as string, but its value never appears in messages.
    template <class Get>
    void secret(const std::string& path, Get get, const std::string& doc) {
        add(path, "secret", "", doc,
            [=](Root& r, const YAML::Node& n, const std::string& file, const std::string& p) {
                if (!n.IsScalar()) throw ConfigError(configWhere(file, n, p) + "must be a string");
                get(r) = n.Scalar();
            });
    }

    template <class Get>
    void strings(const std::string& path, Get get, const std::string& doc,
                 std::function<std::string(const std::string&)> check = {}) {
        Root defaults{};
        add(path, "list", "[" + join(get(defaults)) + "]", doc,
            [=](Root& r, const YAML::Node& n, const std::string& file, const std::string& p) {
                if (n.IsNull()) {
                    get(r).clear();
                    return;
                }
                if (!n.IsSequence())
                    throw ConfigError(configWhere(file, n, p) + "must be a list of strings");
                std::vector<std::string> out;
                for (std::size_t i = 0; i < n.size(); ++i) {
                    std::string ip = p + "[" + std::to_string(i) + "]";
                    if (!n[i].IsScalar())
                        throw ConfigError(configWhere(file, n[i], ip) + "must be a string");
                    if (check) {
                        std::string err = check(n[i].Scalar());
                        if (!err.empty()) throw ConfigError(configWhere(file, n[i], ip) + err);
                    }
                    out.push_back(n[i].Scalar());
                }
                get(r) = std::move(out);
            });
    }

    // A list of records, each a mapping checked against `elem`.
    template <class Elem, class Get>
    void records(const std::string& path, Get get, const Schema<Elem>& elem, const std::string& doc) {
        add(path, "records", "[]", doc,
            [=](Root& r, const YAML::Node& n, const std::string& file, const std::string& p) {
                if (n.IsNull()) {
                    get(r).clear();
                    return;
                }
                if (!n.IsSequence())
                    throw ConfigError(configWhere(file, n, p) + "must be a list of mappings");
                std::vector<Elem> out;
                for (std::size_t i = 0; i < n.size(); ++i) {
                    Elem e{};
                    elem.parse(e, n[i], file, p + "[" + std::to_string(i) + "]");
                    out.push_back(std::move(e));
                }
                get(r) = std::move(out);
            });
        Key& k = keys_.at(path);
        for (const auto& s : elem.infos()) {
            ConfigKeyInfo ci = s;
            ci.path = path + "[]." + s.path;
            k.sub.push_back(ci);
        }
    }

    // Mark a declared key as mandatory in every mapping this schema parses.
    void require(const std::string& path) { keys_.at(path).required = true; }

    // Apply a YAML mapping onto `r`. `prefix` is the path of `n` itself.
    void parse(Root& r, const YAML::Node& n, const std::string& file,
               const std::string& prefix = "") const {
        std::set<std::string> seen;
        walk(r, n, file, prefix, "", seen);
        for (const auto& [path, key] : keys_)
            if (key.required && !seen.count(path))
                throw ConfigError(configWhere(file, n, prefix) + "missing required key " + path);
    }

    std::vector<ConfigKeyInfo> infos() const {
        std::vector<ConfigKeyInfo> out;
        for (const auto& [path, key] : keys_) {
            out.push_back(key.info);
            out.insert(out.end(), key.sub.begin(), key.sub.end());
        }
        return out;
    }

private:
    std::map<std::string, Key> keys_;
    std::set<std::string> sections_;

    void add(const std::string& path, const std::string& type, const std::string& def,
             const std::string& doc, Apply apply) {
        Key k;
        k.info = {path, type, def, doc};
        k.apply = std::move(apply);
        keys_[path] = std::move(k);
        for (auto dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
            sections_.insert(path.substr(0, dot));
    }

    void walk(Root& r, const YAML::Node& n, const std::string& file, const std::string& prefix,
              const std::string& rel, std::set<std::string>& seen) const {
        std::string here = joinPath(prefix, rel);
        if (n.IsNull()) return;  // an empty section keeps the defaults
        if (!n.IsMap()) throw ConfigError(configWhere(file, n, here) + "must be a mapping");
        for (const auto& kv : n) {
            std::string name = kv.first.Scalar();
            std::string relPath = rel.empty() ? name : rel + "." + name;
            std::string full = joinPath(prefix, relPath);
            auto it = keys_.find(relPath);
            if (it != keys_.end()) {
                if (!seen.insert(relPath).second)
                    throw ConfigError(configWhere(file, kv.first, full) + "given twice");
                it->second.apply(r, kv.second, file, full);
            } else if (sections_.count(relPath)) {
                walk(r, kv.second, file, prefix, relPath, seen);
            } else {
                throw ConfigError(configWhere(file, kv.first, full) + "unknown key");
            }
        }
    }

    static std::string joinPath(const std::string& a, const std::string& b) {
        if (a.empty()) return b;
        if (b.empty()) return a;
        return a + "." + b;
    }
    static std::string join(const std::vector<std::string>& v) {
        std::string out;
        for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
        return out;
    }
    static std::string gotText(const YAML::Node& n) {
        if (!n.IsScalar()) return "";
        return " (got \"" + n.Scalar() + "\")";
    }
};

}  // namespace v2v
