// The daemon loop (see daemon.h).
//
// The signals are blocked before any thread starts and the main thread waits
// for them with sigtimedwait. The reload itself runs in a worker so the main
// thread is back to waiting at once.
#include "daemon.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "dispatcher.h"
#include "engine.h"
#include "log.h"
#include "milter_metrics.h"
#include "runtime.h"

namespace v2v::milter {
namespace {

constexpr int kExSoftware = 70, kExOsErr = 71, kExConfig = 78;

void logRuntime(const Runtime& rt, const char* what) {
    for (const auto& w : rt.warnings) V2V_LOG(warning, "") << w;
    V2V_LOG(notice, "") << what << ": " << rt.keys.all().size() << " DKIM key(s)"
                        << (rt.preparsedKeys ? " (pre-parsed)" : "") << ", signing "
                        << (rt.cfg().dkim.sign ? "on" : "off") << ", verification "
                        << (rt.cfg().dkim.verify ? "on" : "off") << ", SPF " << (rt.spf ? "on" : "off")
                        << ", authserv-id " << rt.authservId;
}

class Reloader {
public:
    Reloader(std::string file, std::string socket) : file_(std::move(file)), socket_(std::move(socket)) {
        thread_ = std::thread([this] { loop(); });
    }
    ~Reloader() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    void request() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            pending_ = true;
        }
        cv_.notify_one();
    }

private:
    std::string file_, socket_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool pending_ = false, stop_ = false;
    std::thread thread_;

    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            cv_.wait(lock, [this] { return pending_ || stop_; });
            if (stop_) return;
            pending_ = false;
            lock.unlock();
            reload();
            lock.lock();
        }
    }

    void reload() {
        try {
            ConfigPtr cfg = loadConfig(file_);
            auto rt = Runtime::build(cfg);
            logInit("v2v-milter", cfg->log);
            if (cfg->milter.socket != socket_) {
                V2V_LOG(warning, "") << "milter.socket changed: takes effect at the next start";
            }
            currentRuntime().set(rt);
            logRuntime(*rt, "reloaded");
        } catch (const std::exception& e) {
            V2V_LOG(error, "") << "reload failed, keeping the running configuration: " << e.what();
        }
    }
};

}  // namespace

int runDaemon(const std::string& configFile, ConfigPtr config) {
    const MilterConfig& m = config->milter;
    try {
        auto rt = Runtime::build(config);
        currentRuntime().set(rt);
        logRuntime(*rt, "starting");
    } catch (const std::exception& e) {
        V2V_LOG(fatal, "") << e.what();
        return kExConfig;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&sigs, s);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    std::unique_ptr<Engine> engine;
    try {
        engine = std::make_unique<Engine>(m.socket, m.timeout_seconds);
    } catch (const std::exception& e) {
        V2V_LOG(fatal, "") << "cannot listen on " << e.what();
        return kExOsErr;
    }
    std::string path = unixSocketPath(m.socket);
    if (!path.empty() && ::chmod(path.c_str(), static_cast<mode_t>(std::stoul(m.socket_mode, nullptr, 8))) != 0) {
        V2V_LOG(fatal, "") << path << ": chmod " << m.socket_mode << ": " << std::strerror(errno);
        return kExOsErr;
    }
    V2V_LOG(notice, "") << "listening on " << m.socket;
    std::shared_ptr<void> metricsListener;  // issue 7: Prometheus /metrics
    try {
        metricsListener = metrics::serve(m.metrics_listen);
        if (metricsListener) V2V_LOG(notice, "") << "metrics on http://" << m.metrics_listen << "/metrics";
    } catch (const std::exception& e) {
        V2V_LOG(fatal, "") << "milter.metrics_listen: " << e.what();
        return kExOsErr;
    }

    std::atomic<bool> milterDone{false};
    std::thread milter([&] {
        engine->run();
        milterDone = true;
    });
    int rc = 0;
    {
        Reloader reloader(configFile, m.socket);
        for (;;) {
            struct timespec tick = {1, 0};
            int sig = sigtimedwait(&sigs, nullptr, &tick);
            if (sig == SIGHUP) {
                reloader.request();
            } else if (sig == SIGTERM || sig == SIGINT) {
                V2V_LOG(notice, "") << "stopping on signal " << sig;
                engine->stop();
                break;
            }
            if (milterDone) {
                V2V_LOG(error, "") << "the milter socket failed; stopping";
                rc = kExSoftware;
                break;
            }
        }
    }
    engine->stop();
    milter.join();
    if (!path.empty()) ::unlink(path.c_str());
    // Messages in progress are finished (no new ones start).
    if (!engine->drain(std::chrono::seconds(10)))
        V2V_LOG(warning, "") << "stopped with a message still in progress (the MTA applies milter_default_action)";
    V2V_LOG(notice, "") << "stopped";
    return rc;
}

}  // namespace v2v::milter
