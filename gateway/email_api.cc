// POST /api/v1/email/send, POST /api/v1/email/batch, GET /api/v1/email/{id}.
#include "auth.h"
#include "batch_service.h"
#include "email_read.h"
#include "handler_prelude.h"
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
                     if (!header(req, "Idempotency-Key")) return sendDeferred(app_, req, ctx, now);
                     runSendPolicy(app_, req, w, ctx, 1, [&]() -> std::pair<int, nlohmann::json> {
                         auto parsed = parseSendRequest(req.body(), limitsFor(ctx.client), now);
                         if (auto* e = std::get_if<ApiError>(&parsed)) return errorResult(*e);
                         auto res = acceptSend(app_, ctx, std::get<SendRequest>(parsed));
                         if (auto* e = std::get_if<ApiError>(&res)) return errorResult(*e);
                         return {202, std::get<Accepted>(res).body};
                     });
                 }));
    Routes::Post(r, "/api/v1/email/batch", guarded(app_, true, [this](const Request& req, ResponseWriter& w) {
                     auto ctx = authorize(app_, req, w, "send");
                     if (!ctx) return;
                     // A batch larger than the client's burst could never pass the rate limit.
                     std::size_t max = std::min<std::size_t>(kMaxBatchMessages, std::max(1, ctx->client.rate_burst));
                     auto parsed = parseBatchBody(req.body(), max);
                     auto* messages = std::get_if<std::vector<nlohmann::json>>(&parsed);
                     int cost = messages ? static_cast<int>(messages->size()) : 1;
                     runSendPolicy(app_, req, w, *ctx, cost, [&]() -> std::pair<int, nlohmann::json> {
                         if (!messages) return errorResult(std::get<ApiError>(parsed));
                         return {200, acceptBatch(app_, *ctx, std::move(*messages), nowSeconds())};
                     });
                 }));
    Routes::Get(r, "/api/v1/email/:id", guarded(app_, false, [this](const Request& req, ResponseWriter& w) {
                    auto ctx = authorize(app_, req, w, "read");
                    if (!ctx) return;
                    auto id = pathParam(req, w, "id");
                    if (!id) return;
                    auto email = readEmail(app_.db(), ctx->client.id, *id);
                    if (!email) return sendError(w, {404, "not_found", "no such email", ""});
                    sendJson(w, 200, *email);
                }));
}

}  // namespace v2v::gw
