// /api/v1/templates: list, create, read (latest or ?version=N), PUT = new
// version, DELETE, and POST .../render for previews. Scope "templates".
#include "api_values.h"
#include "handler_prelude.h"
#include "resources.h"
#include "template_service.h"
#include "template_store.h"

namespace v2v::gw {
namespace {

using nlohmann::json;
namespace Http = Pistache::Http;

const char* const kScope = "templates";

ApiError notFound(const std::string& name) {
    return {404, "not_found", "no template '" + name.substr(0, 128) + "'", ""};
}

// ?version=N → N; absent → nullopt; malformed → the error is sent.
bool queryVersion(const Request& req, ResponseWriter& w, std::optional<int>& version) {
    auto v = queryParam(req, "version");
    if (!v) return true;
    auto n = parseLimit(v, 1, 1000000000);
    if (std::holds_alternative<ApiError>(n)) {
        sendError(w, invalidField("version", "must be a positive integer"));
        return false;
    }
    version = std::get<int>(n);
    return true;
}

void list(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, kScope);
    if (!ctx) return;
    auto page = pageParams(req, w);
    if (!page) return;
    auto rows = listTemplates(app.db(), ctx->client.id, page->after, page->limit + 1);
    sendJson(w, 200, pageJson("templates", std::move(rows), page->limit, [](const TemplateSummary& t) { return t.name; },
                              [](const TemplateSummary& t) {
                                  return json{{"name", t.name}, {"version", t.version}, {"subject", t.subject},
                                              {"updated_at", formatRfc3339(t.updated_at)}};
                              }));
}

// POST (create only, 409 when it exists) and PUT (add a version, or create).
void save(App& app, const Request& req, ResponseWriter& w, bool put) {
    auto ctx = authorize(app, req, w, kScope);
    if (!ctx) return;
    std::string pathName;
    if (put) {
        auto p = pathParam(req, w, "name");
        if (!p) return;
        pathName = *p;
    }
    auto in = parseTemplateBody(req.body(), pathName);
    if (auto* e = std::get_if<ApiError>(&in)) return sendError(w, *e);
    const TemplateInput& t = std::get<TemplateInput>(in);
    auto saved = saveTemplate(app.db(), ctx->client.id, t.name, t.source, !put, nowSeconds());
    if (!saved)
        return sendError(w, {409, "conflict", "template '" + t.name + "' exists; PUT /api/v1/templates/" + t.name +
                                                  " adds a version", "name"});
    auto stored = loadTemplate(app.db(), ctx->client.id, t.name, saved->version);
    if (!stored) throw std::runtime_error("template " + t.name + " vanished after saving");
    setHeader(w, "Location", "/api/v1/templates/" + t.name);
    sendJson(w, saved->created ? 201 : 200, templateJson(*stored));
}

void get(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, kScope);
    if (!ctx) return;
    auto name = pathParam(req, w, "name");
    std::optional<int> version;
    if (!name || !queryVersion(req, w, version)) return;
    std::optional<StoredTemplate> t;
    if (validTemplateName(*name)) t = loadTemplate(app.db(), ctx->client.id, *name, version);
    if (!t) return sendError(w, notFound(*name));
    sendJson(w, 200, templateJson(*t));
}

void remove(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, kScope);
    if (!ctx) return;
    auto name = pathParam(req, w, "name");
    if (!name) return;
    if (!validTemplateName(*name) || !deleteTemplate(app.db(), ctx->client.id, *name))
        return sendError(w, notFound(*name));
    w.send(Http::Code::No_Content);
}

void render(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, kScope);
    if (!ctx) return;
    auto name = pathParam(req, w, "name");
    if (!name) return;
    auto body = parseRenderBody(req.body());
    if (auto* e = std::get_if<ApiError>(&body)) return sendError(w, *e);
    const RenderRequest& rr = std::get<RenderRequest>(body);
    std::optional<StoredTemplate> t;
    if (validTemplateName(*name)) t = loadTemplate(app.db(), ctx->client.id, *name, rr.version);
    if (!t) return sendError(w, notFound(*name));
    auto r = renderTemplate(t->source, rr.variables_json, false);
    if (auto* e = std::get_if<ApiError>(&r)) return sendError(w, *e);
    const Rendered& out = std::get<Rendered>(r);
    if (rr.strict && !out.missing.empty()) {
        json err = {{"code", "missing_variables"}, {"message", missingMessage(out.missing)},
                    {"field", "variables"}, {"missing", out.missing}};
        return sendJson(w, 422, {{"error", err}});
    }
    sendJson(w, 200, renderedJson(*t, out));
}

}  // namespace

void TemplateApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    App& a = app_;
    Routes::Get(r, "/api/v1/templates", guarded(a, false, [&a](const Request& q, ResponseWriter& w) { list(a, q, w); }));
    Routes::Post(r, "/api/v1/templates",
                 guarded(a, true, [&a](const Request& q, ResponseWriter& w) { save(a, q, w, false); }));
    Routes::Get(r, "/api/v1/templates/:name",
                guarded(a, false, [&a](const Request& q, ResponseWriter& w) { get(a, q, w); }));
    Routes::Put(r, "/api/v1/templates/:name",
                guarded(a, true, [&a](const Request& q, ResponseWriter& w) { save(a, q, w, true); }));
    Routes::Delete(r, "/api/v1/templates/:name",
                   guarded(a, true, [&a](const Request& q, ResponseWriter& w) { remove(a, q, w); }));
    Routes::Post(r, "/api/v1/templates/:name/render",
                 guarded(a, false, [&a](const Request& q, ResponseWriter& w) { render(a, q, w); }));
}

}  // namespace v2v::gw
