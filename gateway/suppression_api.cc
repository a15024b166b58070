// /api/v1/suppressions: the client's own suppression list. GET (paged) and
// GET/{email} need scope "read"; POST (add) and DELETE/{email} need "send".
#include "api_values.h"
#include "handler_prelude.h"
#include "json_body.h"
#include "records.h"
#include "resources.h"
#include "suppression_store.h"

namespace v2v::gw {
namespace {

using nlohmann::json;
namespace Http = Pistache::Http;

// The {email} of the URL in stored form; nullopt when the answer is sent.
std::optional<std::string> emailParam(const Request& req, ResponseWriter& w) {
    auto raw = pathParam(req, w, "email");
    if (!raw) return std::nullopt;
    auto key = suppressionKey(*raw);
    if (!key) sendError(w, invalidField("email", "is not a valid email address"));
    return key;
}

ApiError notSuppressed() { return {404, "not_found", "this address is not on the suppression list", ""}; }

void list(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, "read");
    if (!ctx) return;
    auto page = pageParams(req, w);
    if (!page) return;
    auto rows = listSuppressions(app.db(), ctx->client.id, page->after, page->limit + 1);
    sendJson(w, 200, pageJson("suppressions", std::move(rows), page->limit,
                              [](const Suppression& s) { return s.address; }, suppressionJson));
}

void add(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, "send");
    if (!ctx) return;
    auto parsed = parseBodyObject(req.body(), "{email, reason?}");
    if (auto* e = std::get_if<ApiError>(&parsed)) return sendError(w, *e);
    const json& j = std::get<json>(parsed);
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "email" && it.key() != "reason") return sendError(w, invalidField(it.key(), "unknown field"));
    if (!j.contains("email") || !j["email"].is_string()) return sendError(w, invalidField("email", "is required"));
    auto key = suppressionKey(j["email"].get<std::string>());
    if (!key) return sendError(w, invalidField("email", "is not a valid email address"));
    std::string reason = "manual";
    if (j.contains("reason")) {
        if (!j["reason"].is_string() || !clientSettableReason(j["reason"].get<std::string>()))
            return sendError(w, invalidField("reason", "must be \"manual\" or \"unsubscribed\""));
        reason = j["reason"].get<std::string>();
    }
    Db& db = app.db();
    bool added;
    {
        Transaction tx(db);
        added = addSuppression(db, ctx->client.id, *key, reason, std::nullopt, nowSeconds());
        tx.commit();
    }
    auto s = getSuppression(db, ctx->client.id, *key);
    if (!s) throw std::runtime_error("suppression vanished after adding");
    sendJson(w, added ? 201 : 200, suppressionJson(*s));
}

void get(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, "read");
    if (!ctx) return;
    auto key = emailParam(req, w);
    if (!key) return;
    auto s = getSuppression(app.db(), ctx->client.id, *key);
    if (!s) return sendError(w, notSuppressed());
    sendJson(w, 200, suppressionJson(*s));
}

void remove(App& app, const Request& req, ResponseWriter& w) {
    auto ctx = authorize(app, req, w, "send");
    if (!ctx) return;
    auto key = emailParam(req, w);
    if (!key) return;
    if (!removeSuppression(app.db(), ctx->client.id, *key)) return sendError(w, notSuppressed());
    w.send(Http::Code::No_Content);
}

}  // namespace

void SuppressionApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    App& a = app_;
    Routes::Get(r, "/api/v1/suppressions", guarded(a, false, [&a](const Request& q, ResponseWriter& w) { list(a, q, w); }));
    Routes::Post(r, "/api/v1/suppressions", guarded(a, true, [&a](const Request& q, ResponseWriter& w) { add(a, q, w); }));
    Routes::Get(r, "/api/v1/suppressions/:email",
                guarded(a, false, [&a](const Request& q, ResponseWriter& w) { get(a, q, w); }));
    Routes::Delete(r, "/api/v1/suppressions/:email",
                   guarded(a, true, [&a](const Request& q, ResponseWriter& w) { remove(a, q, w); }));
}

}  // namespace v2v::gw
