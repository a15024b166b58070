// Mode dispatch of v2v-milter (see app.h, cli.h).
#include "app.h"

#include <malloc.h>
#include <unistd.h>

#include <iostream>

#include "cli.h"
#include "daemon.h"
#include "db.h"
#include "dkim_key_table.h"
#include "dkim_keys.h"
#include "log.h"
#include "runtime.h"
#include "v2v_autoconf.h"

namespace v2v::milter {
namespace {

constexpr int kExUsage = 64, kExNoPerm = 77, kExConfig = 78;

int checkConfig(const ConfigPtr& cfg) {
    auto rt = Runtime::build(cfg);
    for (const auto& w : rt->warnings) std::cerr << "v2v-milter: warning: " << w << "\n";
    std::cout << cfg->file << ": ok (" << rt->keys.all().size() << " DKIM key(s), authserv-id "
              << rt->authservId << ")\n";
    return 0;
}

int printDnsRecords(const ConfigPtr& cfg) {
    std::vector<std::string> warnings;
    KeyTable t = KeyTable::load(signingKeys(cfg->milter.dkim, nowSeconds()), false, &warnings);  // issue 7: + key table
    for (const auto& w : warnings) std::cerr << "v2v-milter: warning: " << w << "\n";
    std::cout << dnsRecords(t);
    return 0;
}

}  // namespace

int milterMain(int argc, char** argv) {
    Options o;
    try {
        o = parseOptions(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::invalid_argument& e) {
        std::cerr << "v2v-milter: " << e.what() << "\n" << usageText();
        return kExUsage;
    }
    if (o.mode == Options::Mode::help) {
        std::cout << usageText();
        return 0;
    }
    if (o.mode == Options::Mode::version) {
        std::cout << "v2v-milter " << PACKAGE_VERSION << "\n";
        return 0;
    }
    try {
        ConfigPtr cfg = loadConfig(o.configFile);
        if (o.mode == Options::Mode::checkConfig) return checkConfig(cfg);
        if (o.mode == Options::Mode::dnsRecords) return printDnsRecords(cfg);
        logInit("v2v-milter", cfg->log);
        if (geteuid() == 0) {
            V2V_LOG(fatal, "") << "refusing to run as root: start v2v-milter as its own user (e.g. v2v-milter)";
            return kExNoPerm;
        }
        // Each message is held whole (tracking rewrite, signing): keep freed heap
        // for the next one instead of trimming it and faulting it back in
        // (measured: 2x the rewrite rate, bench/tracking).
        mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
        mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);
        return runDaemon(o.configFile, cfg);
    } catch (const ConfigError& e) {
        std::cerr << "v2v-milter: " << e.what() << "\n";
        return kExConfig;
    }
}

}  // namespace v2v::milter
