// Prometheus plumbing shared by the daemons (prometheus-cpp): the process
// registry, standard process_* metrics, the text exposition of a set of
// collectables, and an optional HTTP listener (prometheus-cpp's civetweb
// Exposer) for a separate /metrics address. Metric definitions live with
// each program (gateway/ops_metrics.cc, milter/metrics.cc); this header is
// only for the files that define or serve them, not for hot-path callers.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Exposer;
}

namespace v2v::metrics {

using Collectables = std::vector<std::shared_ptr<prometheus::Collectable>>;

// The program's registry (created on first use, lives for the process).
std::shared_ptr<prometheus::Registry> registry();

// Latency buckets in seconds: 0.5 ms .. 30 s, roughly x2.5 apart.
const std::vector<double>& latencyBuckets();

// process_start_time_seconds, process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds (from /proc/self), and
// v2v_build_info{program,version} = 1.
std::shared_ptr<prometheus::Collectable> processCollector(const std::string& program);

// Prometheus text format (version 0.0.4) of every collectable, in order.
std::string exposition(const Collectables& sources);
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Serves GET /metrics on HOST:PORT ("[::1]:9465" for IPv6) until destroyed.
// Throws std::runtime_error naming the address when it cannot listen.
std::shared_ptr<prometheus::Exposer> listen(const std::string& hostPort, const Collectables& sources);

// Label value from outside text (reasons, clients): at most 64 bytes of
// [A-Za-z0-9._-], anything else → `fallback`, so a hostile value can neither
// break the exposition nor create unbounded series by its shape.
std::string safeLabel(const std::string& v, const std::string& fallback = "other");

}  // namespace v2v::metrics
