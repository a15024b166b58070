// Handler prelude helpers (see handler_prelude.h).
#include "handler_prelude.h"

#include "api_values.h"

namespace v2v::gw {

std::optional<AuthContext> authorize(App& app, const Request& req, ResponseWriter& w, const std::string& scope) {
    auto auth = authenticate(header(req, "Authorization"), app.db(), app.config().gateway.jwt, nowSeconds());
    if (auto* e = std::get_if<ApiError>(&auth)) {
        sendError(w, *e);
        return std::nullopt;
    }
    AuthContext& ctx = std::get<AuthContext>(auth);
    if (!ctx.hasScope(scope)) {
        sendError(w, forbidden(scope));
        return std::nullopt;
    }
    return std::move(ctx);
}

std::optional<std::string> pathParam(const Request& req, ResponseWriter& w, const std::string& name) {
    auto v = percentDecode(req.param(":" + name).as<std::string>());
    if (!v) sendError(w, {404, "not_found", "malformed " + name + " in the URL", ""});
    return v;
}

std::optional<std::string> queryParam(const Request& req, const std::string& name) {
    auto v = req.query().get(name);
    if (!v) return v;
    auto d = percentDecode(*v);
    return d ? d : v;
}

std::optional<Page> pageParams(const Request& req, ResponseWriter& w) {
    Page p;
    auto limit = parseLimit(queryParam(req, "limit"), 100, 1000);
    if (auto* e = std::get_if<ApiError>(&limit)) {
        sendError(w, *e);
        return std::nullopt;
    }
    p.limit = std::get<int>(limit);
    if (auto c = queryParam(req, "cursor")) {
        auto d = decodeCursor(*c);
        if (!d) {
            sendError(w, invalidField("cursor", "is not a cursor this API returned"));
            return std::nullopt;
        }
        p.after = *d;
    }
    return p;
}

}  // namespace v2v::gw
