// Template requests without HTTP: the JSON bodies of the template API, the
// JSON form of a stored template, and rendering a stored template into a send
// request (the send path's `template` + `variables` fields).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "api_error.h"
#include "db.h"
#include "send_request.h"
#include "template_store.h"

namespace v2v::gw {

inline constexpr std::size_t kMaxTemplateSubjectBytes = 2000;
inline constexpr std::size_t kMaxTemplatePartBytes = 1u << 20;

struct TemplateInput {
    std::string name;
    TemplateSource source;
};
// POST /templates {name, subject, text?, html?} (pathName empty) or
// PUT /templates/{name} {subject, text?, html?, name? (= the path's)}.
// Validates the Mustache syntax of each part.
std::variant<TemplateInput, ApiError> parseTemplateBody(const std::string& body, const std::string& pathName);

struct RenderRequest {
    std::string variables_json = "{}";
    std::optional<int> version;
    bool strict = false;
};
// POST /templates/{name}/render {variables?, version?, strict?}
std::variant<RenderRequest, ApiError> parseRenderBody(const std::string& body);

nlohmann::json templateJson(const StoredTemplate& t);
nlohmann::json renderedJson(const StoredTemplate& t, const Rendered& r);

// A copy of `req` with subject/text/html rendered from the client's stored
// template and template_version set to the version used. 422 for an unknown
// template or version, bad variables, or (strict) missing variables.
std::variant<SendRequest, ApiError> renderForSend(Db& db, const std::string& clientId, const SendRequest& req);

}  // namespace v2v::gw
