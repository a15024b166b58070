// The gateway's routes as the OpenAPI document (docs/api/openapi.yaml, built
// into the binary) lists them: each request is matched to its path template
// for metric labels and the audit log, and an operation with `security: []`
// is public (not audited). Pure: parsing and matching only.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace v2v::gw {

struct RouteInfo {
    std::string method;  // upper case: GET, POST, PUT, DELETE
    std::string path;    // template, e.g. /api/v1/email/{id}
    bool isPublic = false;
};

struct RouteMatch {
    const RouteInfo* route = nullptr;            // nullptr: no route of the document
    std::map<std::string, std::string> params;  // {id} → the raw path segment
};

class RouteTable {
public:
    // Throws std::runtime_error for a document without usable paths.
    static RouteTable fromOpenApi(const std::string& yamlText);

    // The route with the most literal segments among those matching; a
    // template segment "{x}" (or "{x}.gif") matches one non-empty segment.
    RouteMatch match(const std::string& method, const std::string& path) const;
    const std::vector<RouteInfo>& routes() const { return routes_; }

private:
    std::vector<RouteInfo> routes_;
};

// The OpenAPI document (YAML text) compiled into the gateway.
const std::string& openApiYaml();
// The table of openApiYaml(), parsed once.
const RouteTable& gatewayRoutes();

}  // namespace v2v::gw
