// Bounded JSON bodies (see json_body.h).
#include "json_body.h"

#include <utility>
#include <vector>

namespace v2v::gw {

bool jsonDepthWithin(const nlohmann::json& j, std::size_t max) {
    std::vector<std::pair<const nlohmann::json*, std::size_t>> todo{{&j, 0}};
    while (!todo.empty()) {
        auto [v, depth] = todo.back();
        todo.pop_back();
        if (!v->is_structured()) continue;
        if (depth >= max && !v->empty()) return false;
        for (const auto& child : *v) todo.emplace_back(&child, depth + 1);
    }
    return true;
}

std::variant<nlohmann::json, ApiError> parseBodyObject(const std::string& body, const std::string& shape) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return ApiError{400, "malformed", "the body is not valid JSON", ""};
    if (!j.is_object()) return ApiError{400, "malformed", "the body must be a JSON object " + shape, ""};
    if (!jsonDepthWithin(j))
        return ApiError{400, "malformed", "the body nests deeper than " + std::to_string(kMaxBodyDepth) + " levels", ""};
    return j;
}

}  // namespace v2v::gw
