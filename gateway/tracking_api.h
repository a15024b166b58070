// /api/v1/tracking: the public open pixel, click redirect and one-click
// unsubscribe endpoints (token-authenticated, tracking_token.h), and the
// client's own statistics and events (JWT, scope "read").
#pragma once

#include <pistache/router.h>

#include <memory>

#include "app.h"

namespace v2v::gw {

class EventWriter;

class TrackingApi {
public:
    explicit TrackingApi(App& app);
    ~TrackingApi();
    void setupRoutes(Pistache::Rest::Router& r);
    // Part of the SIGTERM drain, after the HTTP endpoint has stopped: every
    // queued open and click is written before the process exits.
    void shutdown();

private:
    App& app_;
    std::unique_ptr<EventWriter> writer_;
};

}  // namespace v2v::gw
