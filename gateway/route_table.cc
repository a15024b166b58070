// OpenAPI paths → route table (see route_table.h).
#include "route_table.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

extern const char* const v2vOpenApiYaml;  // gateway/openapi_text.cc, generated from docs/api/openapi.yaml

namespace v2v::gw {
namespace {

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        std::size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

// Matches one segment; a parameter's value goes to `params`. Returns false on mismatch.
bool matchSegment(const std::string& tpl, const std::string& seg, std::map<std::string, std::string>& params,
                  int& literal) {
    auto open = tpl.find('{');
    auto close = tpl.find('}', open == std::string::npos ? 0 : open);
    if (open == std::string::npos || close == std::string::npos) {
        if (tpl != seg) return false;
        ++literal;
        return true;
    }
    std::string prefix = tpl.substr(0, open), suffix = tpl.substr(close + 1);
    if (seg.size() <= prefix.size() + suffix.size()) return false;
    if (seg.compare(0, prefix.size(), prefix) != 0) return false;
    if (seg.compare(seg.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    params[tpl.substr(open + 1, close - open - 1)] = seg.substr(prefix.size(), seg.size() - prefix.size() - suffix.size());
    return true;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

RouteTable RouteTable::fromOpenApi(const std::string& yamlText) {
    YAML::Node doc = YAML::Load(yamlText);
    YAML::Node paths = doc["paths"];
    if (!paths || !paths.IsMap()) throw std::runtime_error("OpenAPI document without paths");
    // The document's default security: public only if it is an empty list.
    YAML::Node global = doc["security"];
    bool globalPublic = !global || (global.IsSequence() && global.size() == 0);
    static const char* const kMethods[] = {"get", "put", "post", "delete", "patch", "head", "options"};
    RouteTable t;
    for (const auto& p : paths) {
        std::string path = p.first.as<std::string>();
        for (const char* m : kMethods) {
            YAML::Node op = p.second[m];
            if (!op) continue;
            RouteInfo r;
            r.method = upper(m);
            r.path = path;
            YAML::Node sec = op["security"];
            r.isPublic = sec ? (sec.IsSequence() && sec.size() == 0) : globalPublic;
            t.routes_.push_back(std::move(r));
        }
    }
    if (t.routes_.empty()) throw std::runtime_error("OpenAPI document without operations");
    return t;
}

RouteMatch RouteTable::match(const std::string& method, const std::string& path) const {
    RouteMatch best;
    int bestLiteral = -1;
    auto segs = segments(path);
    for (const auto& r : routes_) {
        if (r.method != method) continue;
        auto tpl = segments(r.path);
        if (tpl.size() != segs.size()) continue;
        std::map<std::string, std::string> params;
        int literal = 0;
        bool ok = true;
        for (std::size_t i = 0; ok && i < tpl.size(); ++i) ok = matchSegment(tpl[i], segs[i], params, literal);
        if (ok && literal > bestLiteral) {
            bestLiteral = literal;
            best.route = &r;
            best.params = std::move(params);
        }
    }
    return best;
}

const std::string& openApiYaml() {
    static const std::string text = v2vOpenApiYaml;
    return text;
}

const RouteTable& gatewayRoutes() {
    static const RouteTable t = RouteTable::fromOpenApi(openApiYaml());
    return t;
}

}  // namespace v2v::gw
