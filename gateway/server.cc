// Gateway process lifecycle (see server.h).
#include "server.h"

#include <pistache/endpoint.h>
#include <pistache/router.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "app.h"
#include "db_checkpoint.h"
#include "http_util.h"
#include "injector.h"
#include "log.h"
#include "ops_api.h"
#include "resources.h"
#include "tracking_api.h"

namespace v2v::gw {

namespace {

Pistache::Address listenAddress(const std::string& listen) {
    auto colon = listen.rfind(':');
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return Pistache::Address(host, Pistache::Port(static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)))));
}

void drain(App& app, int maxSeconds) {
    app.draining = true;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(maxSeconds);
    while (app.inflight > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (app.inflight > 0) V2V_LOG(warning, "gateway") << app.inflight << " requests still running at shutdown";
}

}  // namespace

int run(ConfigPtr cfg) {
    const GatewayConfig& g = cfg->gateway;
    if (g.jwt.keys.empty()) {
        V2V_LOG(fatal, "gateway") << cfg->file << ": gateway.jwt.keys: at least one key is required";
        return 78;
    }
    App app(cfg);
    {
        // Create or upgrade the schema before serving.
        Db db(cfg->database);
        int before = migrate(db);
        if (before != schemaVersion())
            V2V_LOG(notice, "gateway") << cfg->database.path << ": schema " << before << " -> " << schemaVersion();
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // every thread inherits the mask
    signal(SIGPIPE, SIG_IGN);

    Pistache::Rest::Router router;
    HealthApi health(app);
    AuthApi auth(app);
    EmailApi email(app);
    TemplateApi templates(app);
    SuppressionApi suppressions(app);
    health.setupRoutes(router);
    auth.setupRoutes(router);
    email.setupRoutes(router);
    templates.setupRoutes(router);
    suppressions.setupRoutes(router);
    TrackingApi tracking(app);  // issue 5: pixel, click, unsubscribe, stats, events
    tracking.setupRoutes(router);
    std::unique_ptr<OpsApi> ops;  // issue 7: /metrics, /api/v1/openapi.yaml, metrics monitor, audit log
    try {
        ops = std::make_unique<OpsApi>(app);
    } catch (const std::exception& e) {
        V2V_LOG(fatal, "gateway") << "gateway.metrics_listen: " << e.what();
        return 71;
    }
    ops->setupRoutes(router);
    Pistache::Rest::Routes::NotFound(router, [](const Request&, ResponseWriter w) {
        sendError(w, {404, "not_found", "no such route", ""});
        return Pistache::Rest::Route::Result::Ok;
    });

    Pistache::Http::Endpoint endpoint(listenAddress(g.listen));
    auto opts = Pistache::Http::Endpoint::options()
                    .threads(g.threads)
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    .maxRequestSize(static_cast<size_t>(g.max_request_bytes))
                    .maxResponseSize(64 * 1024 * 1024)
                    .headerTimeout(std::chrono::milliseconds(g.header_timeout_ms))
                    .bodyTimeout(std::chrono::milliseconds(g.body_timeout_ms))
                    .keepaliveTimeout(std::chrono::seconds(60));
    endpoint.init(opts);
    endpoint.setHandler(router.handler());

    // WAL checkpoints off the request threads (App::db() turns automatic ones off).
    Checkpointer checkpointer(cfg->database.path, cfg->database.busy_timeout_ms, std::chrono::milliseconds(100));
    Injector injector(app);
    injector.start();
    try {
        endpoint.serveThreaded();
    } catch (const std::exception& e) {
        V2V_LOG(fatal, "gateway") << "listen " << g.listen << ": " << e.what();
        injector.stop();
        return 71;
    }
    V2V_LOG(notice, "gateway") << "listening on " << g.listen << " (" << g.threads << " HTTP threads, "
                               << g.injector_workers << " injector workers)";

    for (;;) {
        int sig = 0;
        sigwait(&sigs, &sig);
        if (sig == SIGHUP) {
            V2V_LOG(notice, "gateway") << "SIGHUP: configuration reload needs a restart in this version";
            continue;
        }
        V2V_LOG(notice, "gateway") << "signal " << sig << ": draining";
        break;
    }
    drain(app, 30);
    app.stopCommitter();  // answers what it still holds while the HTTP threads can send it
    // Sends are answered on the client's socket directly; other answers count
    // as done once queued for their connection: give the HTTP threads a
    // moment to write the last ones before they stop.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    endpoint.shutdown();
    tracking.shutdown();  // issue 5: writes every queued open/click before exit
    injector.stop();
    V2V_LOG(notice, "gateway") << "stopped";
    return 0;
}

}  // namespace v2v::gw
