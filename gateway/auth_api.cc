// POST /api/v1/auth/token: client credentials → short-lived JWT.
#include "auth.h"
#include "base64.h"
#include "http_util.h"
#include "log.h"
#include "resources.h"

namespace v2v::gw {
namespace {

// "Basic base64(id:secret)" → (id, secret)
bool basicCredentials(const std::string& h, std::string& id, std::string& secret) {
    if (h.size() < 7 || h.compare(0, 6, "Basic ") != 0) return false;
    auto decoded = base64Decode(std::string_view(h).substr(6));
    if (!decoded) return false;
    const std::string& dec = *decoded;
    auto colon = dec.find(':');
    if (colon == std::string::npos) return false;
    id = dec.substr(0, colon);
    secret = dec.substr(colon + 1);
    return true;
}

}  // namespace

void AuthApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    Routes::Post(r, "/api/v1/auth/token", guarded(app_, true, [this](const Request& req, ResponseWriter& w) {
                     std::string id, secret;
                     auto authz = header(req, "Authorization");
                     if (!(authz && basicCredentials(*authz, id, secret))) {
                         auto j = nlohmann::json::parse(req.body(), nullptr, false);
                         if (!j.is_object() || !j.contains("client_id") || !j["client_id"].is_string() ||
                             !j.contains("client_secret") || !j["client_secret"].is_string())
                             return sendError(w, {400, "malformed",
                                                  "send {\"client_id\", \"client_secret\"} or HTTP Basic credentials", ""});
                         id = j["client_id"].get<std::string>();
                         secret = j["client_secret"].get<std::string>();
                     }
                     auto res = issueForCredentials(id, secret, app_.db(), app_.config().gateway.jwt, nowSeconds());
                     if (auto* e = std::get_if<ApiError>(&res)) {
                         V2V_LOG(notice, "auth") << "token refused for client " << logSafe(id, 64) << " from "
                                                 << req.address().host();
                         return sendError(w, *e);
                     }
                     w.headers().add<Pistache::Http::Header::CacheControl>(Pistache::Http::CacheDirective::NoStore);
                     sendJson(w, 200,
                              {{"access_token", std::get<std::string>(res)},
                               {"token_type", "Bearer"},
                               {"expires_in", app_.config().gateway.jwt.ttl_seconds}});
                 }));
}

}  // namespace v2v::gw
