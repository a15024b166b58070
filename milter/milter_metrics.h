// v2v-milter's Prometheus metrics, served on milter.metrics_listen:
//   v2v_milter_messages_total{direction,action}      action accept | reject | tempfail
//   v2v_milter_dkim_sign_total{result}                signed | no_key | disabled | too_big
//   v2v_milter_dkim_signatures_total{algorithm}       rsa-sha256 | ed25519-sha256
//   v2v_milter_dkim_verify_total{result}              one per signature: pass fail neutral policy
//                                                     temperror permerror; none = unsigned message
//   v2v_milter_spf_total{result}                      pass fail softfail neutral none temperror permerror
//   v2v_milter_body_rewrites_total                    outbound bodies changed by the rewrite stages
//   v2v_milter_callback_duration_seconds{callback}    time spent in each milter step
//   v2v_milter_errors_total{stage}                    internal errors (mapped to milter.on_error)
//   v2v_milter_tracking_total{outcome}                rewritten | unchanged | failed | uncorrelated (tracking_stage.h)
// Plain calls so the session code does not include prometheus-cpp.
#pragma once

#include <memory>
#include <string>

namespace v2v::milter::metrics {

// Creates the series with fixed labels (a scrape shows them at 0).
void registerAll();

void message(const char* direction, const char* action);
void dkimSign(const char* result);
void dkimSignature(const std::string& algorithm);
void dkimVerify(const std::string& result);
void spf(const std::string& result);
void bodyRewritten();
void callback(const char* name, double seconds);
void error(const char* stage);
void tracking(const char* outcome);

// Serves /metrics on HOST:PORT until the handle is released; nullptr for an
// empty address. Throws std::runtime_error when it cannot listen.
std::shared_ptr<void> serve(const std::string& hostPort);

}  // namespace v2v::milter::metrics
