// /metrics and /api/v1/openapi.yaml (see ops_api.h).
#include "ops_api.h"

#include <prometheus/exposer.h>

#include "http_util.h"
#include "log.h"
#include "request_ops.h"
#include "route_table.h"

namespace v2v::gw {

OpsApi::OpsApi(App& app) : app_(app), monitor_(app) {
    ops::configure(app.config());
    sources_ = {metrics::registry(), metrics::processCollector("v2v-gateway")};
    const std::string& listen = app.config().gateway.metrics_listen;
    if (!listen.empty()) {
        listener_ = metrics::listen(listen, sources_);
        V2V_LOG(notice, "gateway") << "metrics on http://" << listen << "/metrics";
    }
    monitor_.start();
}

OpsApi::~OpsApi() {
    monitor_.stop();
    listener_.reset();
}

void OpsApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    Routes::Get(r, "/api/v1/openapi.yaml", guarded(app_, false, [](const Request&, ResponseWriter& w) {
                    setHeader(w, "Content-Type", "application/yaml; charset=utf-8");
                    w.send(Pistache::Http::Code::Ok, openApiYaml());
                }));
    if (!listener_)
        Routes::Get(r, "/metrics", guarded(app_, false, [this](const Request&, ResponseWriter& w) {
                        setHeader(w, "Content-Type", metrics::kContentType);
                        setHeader(w, "Cache-Control", "no-store");
                        w.send(Pistache::Http::Code::Ok, metrics::exposition(sources_));
                    }));
}

}  // namespace v2v::gw
