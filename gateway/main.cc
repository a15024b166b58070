// v2v-gateway: REST API, injector workers and tracking endpoints (see v2v-gateway(8)).
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "config.h"
#include "log.h"
#include "server.h"

namespace {
const char* kUsage =
    "usage: v2v-gateway [-c FILE] [--check-config] [--help] [--version]\n"
    "  -c FILE          configuration file (default /etc/v2v/v2v.yaml)\n"
    "  --check-config   load and validate the configuration, then exit\n"
    "exit status: 0 ok, 64 usage, 70 internal error, 71 cannot listen, 77 run as root,\n"
    "             78 configuration error\n";
}

int main(int argc, char** argv) {
    std::string configPath = "/etc/v2v/v2v.yaml";
    bool checkOnly = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-c") && i + 1 < argc) configPath = argv[++i];
        else if (!std::strcmp(argv[i], "--check-config")) checkOnly = true;
        else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) { std::cout << kUsage; return 0; }
        else if (!std::strcmp(argv[i], "--version")) { std::cout << "v2v-gateway 0.1.0\n"; return 0; }
        else { std::cerr << kUsage; return 64; }
    }
    v2v::ConfigPtr cfg;
    try {
        cfg = v2v::loadConfig(configPath);
        v2v::logInit("v2v-gateway", cfg->log);
    } catch (const v2v::ConfigError& e) {
        std::cerr << "v2v-gateway: fatal: " << e.what() << "\n";
        return 78;
    }
    if (checkOnly) {
        std::cout << configPath << ": ok\n";
        return 0;
    }
    if (geteuid() == 0) {
        V2V_LOG(fatal, "gateway") << "refusing to run as root: start v2v-gateway as its own user (e.g. v2v-gateway)";
        return 77;
    }
    try {
        return v2v::gw::run(cfg);
    } catch (const std::exception& e) {
        V2V_LOG(fatal, "gateway") << e.what();
        return 70;
    }
}
