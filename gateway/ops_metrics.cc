// Gateway counters and histograms (see ops_metrics.h).
#include "ops_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "metrics.h"

namespace v2v::gw::metrics {
namespace {

struct Families {
    prometheus::Family<prometheus::Counter>& requests;
    prometheus::Family<prometheus::Histogram>& duration;
    prometheus::Family<prometheus::Counter>& injections;
    prometheus::Family<prometheus::Histogram>& injectionDuration;
    prometheus::Counter& rateLimited;
};

Families& families() {
    static Families f = [] {
        auto& r = *v2v::metrics::registry();
        auto& requests = prometheus::BuildCounter()
                             .Name("v2v_http_requests_total")
                             .Help("HTTP requests answered, by method, route (OpenAPI path) and status code.")
                             .Register(r);
        auto& duration = prometheus::BuildHistogram()
                             .Name("v2v_http_request_duration_seconds")
                             .Help("Time from routing a request to its answer, by method and route.")
                             .Register(r);
        auto& injections = prometheus::BuildCounter()
                               .Name("v2v_injections_total")
                               .Help("SMTP submissions of one recipient to Postfix, by result: submitted, deferred, "
                                     "failed, unavailable (Postfix not reached).")
                               .Register(r);
        auto& injectionDuration = prometheus::BuildHistogram()
                                      .Name("v2v_injection_duration_seconds")
                                      .Help("Time of one SMTP transaction to Postfix, by result.")
                                      .Register(r);
        auto& limited = prometheus::BuildCounter()
                            .Name("v2v_rate_limited_requests_total")
                            .Help("Sending requests refused with 429 by a client's rate limit.")
                            .Register(r)
                            .Add({});
        for (const char* res : {"submitted", "deferred", "failed", "unavailable"}) {
            injections.Add({{"result", res}});
            injectionDuration.Add({{"result", res}}, v2v::metrics::latencyBuckets());
        }
        return Families{requests, duration, injections, injectionDuration, limited};
    }();
    return f;
}

}  // namespace

void httpRequest(const std::string& method, const std::string& route, int status, double seconds) {
    auto& f = families();
    f.requests.Add({{"method", method}, {"route", route}, {"status", std::to_string(status)}}).Increment();
    f.duration.Add({{"method", method}, {"route", route}}, v2v::metrics::latencyBuckets()).Observe(seconds);
}

void injection(const char* result, double seconds) {
    auto& f = families();
    f.injections.Add({{"result", result}}).Increment();
    f.injectionDuration.Add({{"result", result}}, v2v::metrics::latencyBuckets()).Observe(seconds);
}

void registerAll() { families(); }

void rateLimited() { families().rateLimited.Increment(); }

}  // namespace v2v::gw::metrics
