// The gateway's own Prometheus metrics, as plain calls for the code paths that
// count (prometheus-cpp headers stay in ops_metrics.cc):
//   v2v_http_requests_total{method,route,status}
//   v2v_http_request_duration_seconds{method,route}       (histogram)
//   v2v_injections_total{result}                          submitted | deferred | failed
//   v2v_injection_duration_seconds{result}                 (histogram, one SMTP transaction)
//   v2v_rate_limited_requests_total
// The metrics read from SQLite and Redis are in ops_monitor.h.
#pragma once

#include <string>

namespace v2v::gw::metrics {

// `route` is the OpenAPI path template ("other" when no route matched).
// Creates every series with a fixed label set (so a scrape shows them at 0).
void registerAll();

void httpRequest(const std::string& method, const std::string& route, int status, double seconds);
void injection(const char* result, double seconds);
void rateLimited();

}  // namespace v2v::gw::metrics
