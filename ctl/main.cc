// v2vctl: administration of a V2V Mail installation (see v2vctl(8)).
#include <iostream>

#include "args.h"
#include "audit.h"
#include "commands.h"
#include "ctl_common.h"
#include "db.h"

using namespace v2v;
using namespace v2v::ctl;

namespace {
void usage(std::ostream& o) {
    o << "usage: v2vctl [-c FILE] [--json] COMMAND [ARGS]\n\ncommands:\n";
    for (const auto& c : commands())
        o << "  " << c.group << " " << c.name << " " << c.usage << "\n      " << c.help << "\n";
    o << "\n-c FILE   configuration (default /etc/v2v/v2v.yaml)\n"
         "--json    machine-readable output\n"
         "exit codes: 0 ok, 64 usage, 65 bad data, 69 not found, 70 internal error, 73 cannot write,\n"
         "            75 temporary failure, 78 config\n";
}
}  // namespace

namespace v2v::ctl {
// Commands that change something are written to log.audit_file, whatever
// their outcome; one that cannot be audited does not run (exit 73).
int runAudited(const Command& c, Context& ctx, const std::vector<std::string>& args) {
    if (c.readOnly || ctx.config->log.audit_file.empty()) return c.run(ctx, args);
    AuditLog audit(ctx.config->log.audit_file);
    std::string error;
    if (!audit.open(error)) {
        std::cerr << "v2vctl: log.audit_file: " << error << " (run v2vctl as a user who may write it)\n";
        return kCantCreate;
    }
    int status = kSoftware;
    struct Record {
        AuditLog& log;
        const Command& c;
        const std::vector<std::string>& args;
        int& status;
        ~Record() {
            if (!log.write(commandAuditRecord(c.group, c.name, args, status)))
                std::cerr << "v2vctl: warning: " << log.path() << ": audit line not written\n";
        }
    } record{audit, c, args, status};
    try {
        status = c.run(ctx, args);
    } catch (const UsageError&) {
        status = kUsage;
        throw;
    } catch (const DbError& e) {
        status = e.transient() ? kTempFail : kSoftware;
        throw;
    }
    return status;
}

const std::vector<Command>& commands() {
    static const std::vector<Command> all = [] {
        std::vector<Command> v;
        registerClientCommands(v);
        registerTokenCommands(v);
        registerConfigCommands(v);
        registerDkimCommands(v);
        registerSuppressionCommands(v);
        registerDeadLetterCommands(v);
        registerStatsCommands(v);
        registerDbCommands(v);
        return v;
    }();
    return all;
}
}  // namespace v2v::ctl

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string configPath = "/etc/v2v/v2v.yaml";
    Context ctx;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        if (args[i] == "-c" && i + 1 < args.size()) configPath = args[++i];
        else if (args[i] == "--json") ctx.json = true;
        else if (args[i] == "-h" || args[i] == "--help") { usage(std::cout); return kOk; }
        else if (args[i] == "--version") { std::cout << "v2vctl 0.1.0\n"; return kOk; }
        else break;
    }
    if (i + 2 > args.size()) { usage(std::cerr); return kUsage; }
    std::string group = args[i], name = args[i + 1];
    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 2, args.end());
    for (const auto& c : commands()) {
        if (c.group != group || c.name != name) continue;
        if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
            std::cout << "usage: v2vctl " << c.group << " " << c.name << " " << c.usage << "\n" << c.help << "\n";
            return kOk;
        }
        try {
            ctx.config = loadConfig(configPath);
            return runAudited(c, ctx, rest);
        } catch (const ConfigError& e) {
            std::cerr << "v2vctl: " << e.what() << "\n";
            return kConfig;
        } catch (const UsageError& e) {
            std::cerr << "v2vctl: " << group << " " << name << ": " << e.what() << "\n";
            return kUsage;
        } catch (const DbError& e) {
            std::cerr << "v2vctl: database " << ctx.config->database.path << ": " << e.what() << "\n";
            return e.transient() ? kTempFail : kSoftware;
        } catch (const std::exception& e) {
            std::cerr << "v2vctl: " << e.what() << "\n";
            return kSoftware;
        }
    }
    std::cerr << "v2vctl: unknown command '" << group << " " << name << "' (see v2vctl --help)\n";
    return kUsage;
}
