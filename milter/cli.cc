// Command-line parsing (see cli.h).
#include "cli.h"

#include <stdexcept>

namespace v2v::milter {

Options parseOptions(const std::vector<std::string>& args) {
    Options o;
    bool modeSet = false;
    auto setMode = [&](Options::Mode m, const std::string& arg) {
        if (modeSet && o.mode != m) throw std::invalid_argument(arg + ": only one of --check-config, --dns-records, --help, --version");
        o.mode = m;
        modeSet = true;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-c" || a == "--config") {
            if (i + 1 >= args.size() || args[i + 1].empty()) throw std::invalid_argument(a + " needs a file name");
            o.configFile = args[++i];
        } else if (a.rfind("--config=", 0) == 0 && a.size() > 9) {
            o.configFile = a.substr(9);
        } else if (a == "--check-config") {
            setMode(Options::Mode::checkConfig, a);
        } else if (a == "--dns-records") {
            setMode(Options::Mode::dnsRecords, a);
        } else if (a == "-h" || a == "--help") {
            setMode(Options::Mode::help, a);
        } else if (a == "-V" || a == "--version") {
            setMode(Options::Mode::version, a);
        } else {
            throw std::invalid_argument("unknown argument: " + a);
        }
    }
    return o;
}

std::string usageText() {
    return "usage: v2v-milter [-c FILE] [--check-config | --dns-records | --help | --version]\n"
           "\n"
           "DKIM-signing, SPF- and DKIM-checking milter of V2V Mail (see v2v-milter(8)).\n"
           "Runs in the foreground; logs to stderr and/or syslog (log.* in the config).\n"
           "\n"
           "  -c, --config FILE  configuration file (default /etc/v2v/v2v.yaml)\n"
           "      --check-config load the configuration and every key, report, exit\n"
           "      --dns-records  print the DKIM TXT record of each key:\n"
           "                     \"<selector>._domainkey.<domain> <TXT value>\"\n"
           "  -h, --help         this text\n"
           "  -V, --version      the version\n"
           "\n"
           "Signals: SIGHUP reloads the configuration and keys (a bad reload keeps the\n"
           "old ones); SIGTERM and SIGINT stop.\n"
           "Exit: 0 ok, 64 usage, 70 internal error, 71 socket error, 78 configuration error.\n";
}

}  // namespace v2v::milter
