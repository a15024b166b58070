// v2v-milter metrics (see milter_metrics.h).
#include "milter_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>

#include "metrics.h"

namespace v2v::milter::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;

struct Families {
    Family<Counter>& messages;
    Family<Counter>& sign;
    Family<Counter>& signatures;
    Family<Counter>& verify;
    Family<Counter>& spf;
    Counter& rewrites;
    Family<prometheus::Histogram>& callback;
    Family<Counter>& errors;
    Family<Counter>& tracking;  // issue 5
};

Family<Counter>& counter(const char* name, const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(*v2v::metrics::registry());
}

// Label values as Prometheus likes them: "end of message" → "end_of_message".
std::string snake(std::string s) {
    for (auto& c : s)
        if (c == ' ') c = '_';
    return v2v::metrics::safeLabel(s);
}

Families& families() {
    static Families f = [] {
        auto& messages = counter("v2v_milter_messages_total", "Messages handled, by direction and action.");
        auto& sign = counter("v2v_milter_dkim_sign_total", "Outbound messages by DKIM signing result.");
        auto& signatures = counter("v2v_milter_dkim_signatures_total", "DKIM signatures added, by algorithm.");
        auto& verify = counter("v2v_milter_dkim_verify_total",
                               "DKIM verification results of inbound mail (one per signature; none = unsigned).");
        auto& spf = counter("v2v_milter_spf_total", "SPF results of inbound mail (MAIL FROM, or HELO for <>).");
        auto& rewrites = counter("v2v_milter_body_rewrites_total",
                                 "Outbound message bodies changed by the rewrite stages (tracking).")
                             .Add({});
        auto& cb = prometheus::BuildHistogram()
                       .Name("v2v_milter_callback_duration_seconds")
                       .Help("Time spent in each milter step (connect, helo, mail, header, end of headers, body, end of message).")
                       .Register(*v2v::metrics::registry());
        auto& errors = counter("v2v_milter_errors_total", "Internal errors, by stage (handled per milter.on_error).");
        for (const char* d : {"inbound", "outbound"})
            for (const char* a : {"accept", "reject", "tempfail"}) messages.Add({{"direction", d}, {"action", a}});
        for (const char* r : {"signed", "no_key", "disabled", "too_big"}) sign.Add({{"result", r}});
        for (const char* a : {"rsa-sha256", "ed25519-sha256"}) signatures.Add({{"algorithm", a}});
        for (const char* r : {"pass", "fail", "none", "temperror", "permerror"}) verify.Add({{"result", r}});
        for (const char* r : {"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"})
            spf.Add({{"result", r}});
        for (const char* c : {"mail", "end_of_message"}) cb.Add({{"callback", c}}, v2v::metrics::latencyBuckets());
        errors.Add({{"stage", "end_of_message"}});
        auto& tracking = counter("v2v_milter_tracking_total",  // issue 5
                                 "Outbound messages that asked for tracking, by outcome (failed and uncorrelated "
                                 "ones are sent unchanged).");
        for (const char* o : {"rewritten", "unchanged", "failed", "uncorrelated"}) tracking.Add({{"outcome", o}});
        return Families{messages, sign, signatures, verify, spf, rewrites, cb, errors, tracking};
    }();
    return f;
}

}  // namespace

void registerAll() { families(); }

void message(const char* direction, const char* action) {
    families().messages.Add({{"direction", direction}, {"action", action}}).Increment();
}
void dkimSign(const char* result) { families().sign.Add({{"result", result}}).Increment(); }
void dkimSignature(const std::string& algorithm) {
    families().signatures.Add({{"algorithm", v2v::metrics::safeLabel(algorithm)}}).Increment();
}
void dkimVerify(const std::string& result) {
    families().verify.Add({{"result", v2v::metrics::safeLabel(result)}}).Increment();
}
void spf(const std::string& result) { families().spf.Add({{"result", v2v::metrics::safeLabel(result)}}).Increment(); }
void bodyRewritten() { families().rewrites.Increment(); }
void callback(const char* name, double seconds) {
    families().callback.Add({{"callback", snake(name)}}, v2v::metrics::latencyBuckets()).Observe(seconds);
}
void error(const char* stage) { families().errors.Add({{"stage", snake(stage)}}).Increment(); }
void tracking(const char* outcome) { families().tracking.Add({{"outcome", outcome}}).Increment(); }

std::shared_ptr<void> serve(const std::string& hostPort) {
    registerAll();
    if (hostPort.empty()) return nullptr;
    return v2v::metrics::listen(hostPort,
                                {v2v::metrics::registry(), v2v::metrics::processCollector("v2v-milter")});
}

}  // namespace v2v::milter::metrics
