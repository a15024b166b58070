// Operations surface of the gateway: GET /metrics (Prometheus text) on the API
// port, or only on gateway.metrics_listen when that is set; GET
// /api/v1/openapi.yaml (public); the background metrics monitor; the audit log
// (request_ops.h). Construct once before serving; the destructor stops the
// monitor and the separate metrics listener.
#pragma once

#include <pistache/router.h>

#include <memory>

#include "app.h"
#include "metrics.h"
#include "ops_monitor.h"

namespace prometheus {
class Exposer;
}

namespace v2v::gw {

class OpsApi {
public:
    // Throws std::runtime_error when gateway.metrics_listen cannot be bound.
    explicit OpsApi(App& app);
    ~OpsApi();
    void setupRoutes(Pistache::Rest::Router& r);

private:
    App& app_;
    metrics::Collectables sources_;
    Monitor monitor_;
    std::shared_ptr<prometheus::Exposer> listener_;
};

}  // namespace v2v::gw
