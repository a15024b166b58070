// POST /api/v1/email/send (and, later, batch and GET /email/{id}).
#include "auth.h"
#include "http_util.h"
#include "resources.h"
#include "send_policy.h"
#include "send_request.h"
#include "send_service.h"

namespace v2v::gw {

void EmailApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    Routes::Post(r, "/api/v1/email/send", guarded(app_, true, [this](const Request& req, ResponseWriter& w) {
                     std::int64_t now = nowSeconds();
                     auto auth = authenticate(header(req, "Authorization"), app_.db(), app_.config().gateway.jwt, now);
                     if (auto* e = std::get_if<ApiError>(&auth)) return sendError(w, *e);
                     const AuthContext& ctx = std::get<AuthContext>(auth);
                     if (!ctx.hasScope("send")) return sendError(w, forbidden("send"));
                     runSendPolicy(app_, req, w, ctx, 1, [&]() -> std::pair<int, nlohmann::json> {
                         auto parsed = parseSendRequest(req.body(), limitsFor(ctx.client), now);
                         if (auto* e = std::get_if<ApiError>(&parsed)) return errorResult(*e);
                         auto res = acceptSend(app_, ctx, std::get<SendRequest>(parsed));
                         if (auto* e = std::get_if<ApiError>(&res)) return errorResult(*e);
                         return {202, std::get<Accepted>(res).body};
                     });
                 }));
}

}  // namespace v2v::gw
