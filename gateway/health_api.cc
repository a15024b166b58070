// GET /api/v1/health/live and /health/ready (SQLite, Redis, Postfix SMTP).
#include "http_util.h"
#include "resources.h"
#include "smtp_probe.h"

namespace v2v::gw {

void HealthApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    Routes::Get(r, "/api/v1/health/live", guarded(app_, false, [this](const Request&, ResponseWriter& w) {
                    sendJson(w, app_.draining ? 503 : 200, {{"status", app_.draining ? "draining" : "ok"}});
                }));
    Routes::Get(r, "/api/v1/health/ready", guarded(app_, false, [this](const Request&, ResponseWriter& w) {
                    nlohmann::json checks;
                    bool ok = !app_.draining;
                    try {
                        Stmt s = app_.db().prepare("SELECT 1");
                        s.step();
                        checks["sqlite"] = "ok";
                    } catch (const std::exception&) {
                        checks["sqlite"] = "unavailable";
                        ok = false;
                    }
                    bool redisOk = app_.redis().ping();
                    checks["redis"] = redisOk ? "ok" : "unavailable";
                    ok = ok && redisOk;
                    std::string smtp = checkSmtp(app_.config().gateway.smtp);
                    checks["postfix"] = smtp.empty() ? "ok" : "unavailable";
                    ok = ok && smtp.empty();
                    sendJson(w, ok ? 200 : 503, {{"status", ok ? "ok" : "unavailable"}, {"checks", checks}});
                }));
}

}  // namespace v2v::gw
