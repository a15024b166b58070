// Template request bodies and the send path's rendering (see template_service.h).
#include "template_service.h"

#include <nlohmann/json.hpp>

#include "api_values.h"
#include "json_body.h"

namespace v2v::gw {
namespace {

using nlohmann::json;

std::optional<ApiError> optionalString(const json& j, const char* key, std::size_t max,
                                       std::optional<std::string>& out) {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_string()) return invalidField(key, "must be a string");
    out = j[key].get<std::string>();
    if (out->size() > max)
        return ApiError{413, "template_too_large", "is longer than " + std::to_string(max) + " bytes", key};
    return std::nullopt;
}

}  // namespace

std::variant<TemplateInput, ApiError> parseTemplateBody(const std::string& body, const std::string& pathName) {
    auto parsed = parseBodyObject(body, "{name, subject, text?, html?}");
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    const json& j = std::get<json>(parsed);
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "name" && it.key() != "subject" && it.key() != "text" && it.key() != "html")
            return invalidField(it.key(), "unknown field");
    TemplateInput in;
    if (j.contains("name")) {
        if (!j["name"].is_string()) return invalidField("name", "must be a string");
        in.name = j["name"].get<std::string>();
        if (!pathName.empty() && in.name != pathName) return invalidField("name", "differs from the name in the URL");
    } else if (pathName.empty()) {
        return invalidField("name", "is required");
    } else {
        in.name = pathName;
    }
    if (!validTemplateName(in.name)) return invalidField("name", "must be 1..128 of letters, digits, '.', '_', '-', starting with a letter or digit");
    std::optional<std::string> subject;
    if (auto e = optionalString(j, "subject", kMaxTemplateSubjectBytes, subject)) return *e;
    if (!subject) return invalidField("subject", "is required");
    in.source.subject = *subject;
    if (auto e = optionalString(j, "text", kMaxTemplatePartBytes, in.source.text)) return *e;
    if (auto e = optionalString(j, "html", kMaxTemplatePartBytes, in.source.html)) return *e;
    if (auto e = validateTemplate(in.source)) return *e;
    return in;
}

std::variant<RenderRequest, ApiError> parseRenderBody(const std::string& body) {
    RenderRequest r;
    if (body.empty()) return r;
    auto parsed = parseBodyObject(body, "{variables?, version?, strict?}");
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    const json& j = std::get<json>(parsed);
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "variables" && it.key() != "version" && it.key() != "strict")
            return invalidField(it.key(), "unknown field");
    if (j.contains("variables") && !j["variables"].is_null()) {
        if (!j["variables"].is_object()) return invalidField("variables", "must be an object");
        r.variables_json = j["variables"].dump();
    }
    if (j.contains("version") && !j["version"].is_null()) {
        const json& v = j["version"];
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 1000000000)
            return invalidField("version", "must be a positive integer");
        r.version = v.get<int>();
    }
    if (j.contains("strict") && !j["strict"].is_null()) {
        if (!j["strict"].is_boolean()) return invalidField("strict", "must be true or false");
        r.strict = j["strict"].get<bool>();
    }
    return r;
}

json templateJson(const StoredTemplate& t) {
    return {{"name", t.name},
            {"version", t.version},
            {"subject", t.source.subject},
            {"text", t.source.text ? json(*t.source.text) : json(nullptr)},
            {"html", t.source.html ? json(*t.source.html) : json(nullptr)},
            {"created_at", formatRfc3339(t.created_at)}};
}

json renderedJson(const StoredTemplate& t, const Rendered& r) {
    return {{"name", t.name},
            {"version", t.version},
            {"subject", r.subject},
            {"text", r.text ? json(*r.text) : json(nullptr)},
            {"html", r.html ? json(*r.html) : json(nullptr)},
            {"missing", r.missing}};
}

std::variant<SendRequest, ApiError> renderForSend(Db& db, const std::string& clientId, const SendRequest& req) {
    const std::string& name = *req.template_name;
    std::optional<StoredTemplate> t;
    if (validTemplateName(name)) t = loadTemplate(db, clientId, name, req.template_version);
    if (!t) {
        if (req.template_version && validTemplateName(name) && loadTemplate(db, clientId, name))
            return invalidField("template_version", "template '" + name + "' has no version " +
                                                        std::to_string(*req.template_version));
        return invalidField("template", "unknown template '" + name.substr(0, 128) + "'");
    }
    auto r = renderTemplate(t->source, req.variables_json, req.template_strict);
    if (auto* e = std::get_if<ApiError>(&r)) return *e;
    Rendered& out = std::get<Rendered>(r);
    SendRequest s = req;
    s.subject = std::move(out.subject);
    s.text = std::move(out.text);
    s.html = std::move(out.html);
    s.template_version = t->version;
    return s;
}

}  // namespace v2v::gw
