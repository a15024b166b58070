// Prometheus plumbing (see metrics.h).
#include "metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>
#include <sstream>
#include <stdexcept>

#include "v2v_autoconf.h"

namespace v2v::metrics {
namespace {

prometheus::MetricFamily gaugeFamily(const std::string& name, const std::string& help, double v,
                                     prometheus::MetricType type = prometheus::MetricType::Gauge) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    prometheus::ClientMetric m;
    if (type == prometheus::MetricType::Counter)
        m.counter.value = v;
    else
        m.gauge.value = v;
    f.metric.push_back(m);
    return f;
}

double bootTime() {
    std::ifstream in("/proc/stat");
    std::string key;
    double v = 0;
    while (in >> key) {
        if (key == "btime") {
            in >> v;
            return v;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

int openFds() {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (readdir(d)) ++n;
    closedir(d);
    return n - 3;  // ".", ".." and the directory's own descriptor
}

class ProcessCollector : public prometheus::Collectable {
public:
    explicit ProcessCollector(std::string program) : program_(std::move(program)), boot_(bootTime()) {}

    std::vector<prometheus::MetricFamily> Collect() const override {
        std::vector<prometheus::MetricFamily> out;
        std::ifstream in("/proc/self/stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // Fields after the command name, which is in parentheses and may hold spaces.
        auto close = stat.rfind(')');
        if (close != std::string::npos) {
            std::istringstream ss(stat.substr(close + 2));
            std::vector<std::string> f;
            for (std::string x; ss >> x;) f.push_back(x);
            const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
            const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
            // f[0] is field 3 (state): field N is f[N - 3].
            if (f.size() > 21) {
                double cpu = (std::stod(f[11]) + std::stod(f[12])) / hz;
                out.push_back(gaugeFamily("process_cpu_seconds_total", "User and system CPU time spent in seconds.",
                                          cpu, prometheus::MetricType::Counter));
                out.push_back(gaugeFamily("process_start_time_seconds",
                                          "Start time of the process since unix epoch in seconds.",
                                          boot_ + std::stod(f[19]) / hz));
                out.push_back(gaugeFamily("process_resident_memory_bytes", "Resident memory size in bytes.",
                                          std::stod(f[21]) * page));
            }
        }
        out.push_back(gaugeFamily("process_open_fds", "Number of open file descriptors.", openFds()));
        auto info = gaugeFamily("v2v_build_info", "Program and version of this V2V Mail process (always 1).", 1);
        info.metric[0].label = {{"program", program_}, {"version", PACKAGE_VERSION}};
        out.push_back(std::move(info));
        return out;
    }

private:
    std::string program_;
    double boot_;
};

// Serves the union of several collectables to an Exposer (which takes weak_ptrs).
class Union : public prometheus::Collectable {
public:
    explicit Union(Collectables s) : s_(std::move(s)) {}
    std::vector<prometheus::MetricFamily> Collect() const override {
        std::vector<prometheus::MetricFamily> out;
        for (const auto& c : s_) {
            auto f = c->Collect();
            out.insert(out.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
        }
        return out;
    }

private:
    Collectables s_;
};

// An Exposer plus the collectable it serves (it holds only a weak_ptr).
struct Listener {
    std::shared_ptr<Union> sources;
    std::shared_ptr<prometheus::Exposer> exposer;
};

}  // namespace

std::shared_ptr<prometheus::Registry> registry() {
    static auto r = std::make_shared<prometheus::Registry>();
    return r;
}

const std::vector<double>& latencyBuckets() {
    static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10,   30};
    return b;
}

std::shared_ptr<prometheus::Collectable> processCollector(const std::string& program) {
    return std::make_shared<ProcessCollector>(program);
}

std::string exposition(const Collectables& sources) {
    std::vector<prometheus::MetricFamily> all;
    for (const auto& c : sources) {
        auto f = c->Collect();
        all.insert(all.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
    }
    return prometheus::TextSerializer().Serialize(all);
}

std::shared_ptr<prometheus::Exposer> listen(const std::string& hostPort, const Collectables& sources) {
    auto l = std::make_shared<Listener>();
    l->sources = std::make_shared<Union>(sources);
    try {
        // civetweb's listening_ports syntax: "1.2.3.4:9465" or "[::1]:9465".
        l->exposer = std::make_shared<prometheus::Exposer>(hostPort, 2);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot listen on " + hostPort + ": " + e.what());
    }
    l->exposer->RegisterCollectable(l->sources);
    // The aliasing constructor keeps the Union alive as long as the Exposer.
    return std::shared_ptr<prometheus::Exposer>(l, l->exposer.get());
}

std::string safeLabel(const std::string& v, const std::string& fallback) {
    if (v.empty() || v.size() > 64) return fallback;
    for (char c : v)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return fallback;
    return v;
}

}  // namespace v2v::metrics
