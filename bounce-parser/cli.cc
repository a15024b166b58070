// Command line parsing and the two run modes (see cli.h): --parse-only prints
// JSON Lines; pipe mode records the report in SQLite.
#include "cli.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "config.h"
#include "correlate.h"
#include "db.h"
#include "log.h"
#include "output.h"
#include "parser.h"
#include "pattern.h"
#include "store.h"
#include "v2v_autoconf.h"

namespace v2v::bounce {
namespace {

// Reads stdin, keeping at most `cap` bytes but draining the rest so the
// writer (Postfix pipe) never sees a broken pipe. Returns false on a read error.
bool readInput(std::size_t cap, std::string& out, bool& truncated) {
    char buf[65536];
    truncated = false;
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0) return true;
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        std::size_t room = cap > out.size() ? cap - out.size() : 0;
        std::size_t take = std::min<std::size_t>(room, static_cast<std::size_t>(n));
        out.append(buf, take);
        if (take < static_cast<std::size_t>(n)) truncated = true;
    }
}

int parseOnly(const Options&) {
    BounceParserConfig defaults;
    std::string raw;
    bool truncated = false;
    if (!readInput(static_cast<std::size_t>(defaults.max_message_bytes), raw, truncated)) {
        std::cerr << "v2v-bounce-parser: read stdin: " << std::strerror(errno) << "\n";
        return kIoErr;
    }
    bool readable = false;
    for (std::string_view message : splitMbox(raw)) {
        ParsedReport p = parseReport(message);
        if (!p.readable) continue;
        readable = true;
        auto candidates = correlationCandidates("", p.hints, VerpKeys{DomainsConfig().verp_prefix, ""});
        std::optional<std::string> emailId;
        if (!candidates.empty()) emailId = candidates.front().emailId;
        for (const auto& r : p.records) std::cout << recordJsonLine(r, emailId);
    }
    if (!readable) {
        std::cerr << "v2v-bounce-parser: input is not a mail message (no header/body separation)\n";
        return kDataErr;
    }
    std::cout.flush();
    return std::cout ? kOk : kIoErr;
}

void recordOne(Db& db, const Config& cfg, const Options& o, std::string_view message, const ParsedReport& p,
               const std::vector<Candidate>& candidates) {
    StoreOptions so;
    so.rawCapBytes = static_cast<std::size_t>(cfg.bounce_parser.raw_cap_bytes);
    so.now = nowSeconds();
    StoreResult res = storeReport(db, message, p, candidates, so);
    std::string object = res.emailId.empty() ? logSafe(o.recipient, 200) : res.emailId;
    for (const auto& r : p.records) {
        V2V_LOG(info, object) << "to=<" << logSafe(r.recipient, 200) << "> event=" << eventKind(r)
                              << " status=" << r.status << " reason=" << r.reason
                              << (r.hard ? (*r.hard ? " hard" : " soft") : "");
    }
    if (p.records.empty()) {
        V2V_LOG(notice, object) << "report without recipients stored ("
                                << (p.readable ? "no recipient found" : "not a mail message") << ")";
    }
    if (res.emailId.empty()) {
        V2V_LOG(notice, object) << "report not correlated with any email; stored";
    }
    if (res.duplicates) {
        V2V_LOG(info, object) << res.duplicates << " record(s) already stored (same report)";
    }
}

// Exit 78 (EX_CONFIG) as the contract says, but first print a 4.3.5 status:
// pipe(8) takes output starting with a DSN code over the exit status, so the
// report is deferred and retried after the configuration is fixed instead of
// being bounced (Postfix maps 78 itself to the permanent 5.3.5).
int configError(const std::string& message) {
    std::cout << "4.3.5 v2v-bounce-parser: configuration error, deferring: " << message << std::endl;
    std::cerr << "v2v-bounce-parser: " << message << "\n";
    return kConfig;
}

int pipeMode(const Options& o) {
    ConfigPtr cfg;
    try {
        cfg = loadConfig(o.configFile);
        logInit("v2v-bounce-parser", cfg->log);
    } catch (const ConfigError& e) {
        return configError(e.what());
    } catch (const std::exception& e) {
        return configError(o.configFile + ": " + e.what());
    }
    std::string raw;
    bool truncated = false;
    if (!readInput(static_cast<std::size_t>(cfg->bounce_parser.max_message_bytes), raw, truncated)) {
        V2V_LOG(error, logSafe(o.recipient, 200)) << "read report from stdin: " << std::strerror(errno) << "; deferring";
        return kTempFail;
    }
    if (truncated) {
        V2V_LOG(warning, logSafe(o.recipient, 200)) << "report larger than bounce_parser.max_message_bytes ("
                                                    << cfg->bounce_parser.max_message_bytes << "), parsed truncated";
    }
    VerpKeys keys{cfg->domains.verp_prefix, cfg->domains.bounce_domain};
    try {
        Db db(cfg->database);
        migrate(db);
        // Postfix hands over one message; an mbox (several) is recorded message by message.
        for (std::string_view message : splitMbox(raw)) {
            ParsedReport p = parseReport(message);
            recordOne(db, *cfg, o, message, p, correlationCandidates(o.recipient, p.hints, keys));
        }
        return kOk;
    } catch (const DbError& e) {
        V2V_LOG(error, logSafe(o.recipient, 200)) << cfg->database.path << ": " << e.what()
                                                  << (e.transient() ? "; deferring" : "; deferring (not transient)");
        return kTempFail;
    } catch (const std::exception& e) {
        V2V_LOG(error, logSafe(o.recipient, 200)) << "internal error: " << e.what() << "; deferring";
        return kTempFail;
    }
}

}  // namespace

std::string usageText() {
    return "usage: v2v-bounce-parser [-c FILE] [--parse-only] [SENDER RECIPIENT]\n"
           "  -c, --config FILE  configuration file (default /etc/v2v/v2v.yaml)\n"
           "  --parse-only       read one report on stdin, print JSON Lines, touch no database\n"
           "  SENDER RECIPIENT   pipe(8) mode: ${sender} ${recipient} of the report\n"
           "  -h, --help         this text\n"
           "  -V, --version      program version\n";
}

std::optional<Options> parseOptions(const std::vector<std::string>& args, std::ostream& err) {
    Options o;
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-c" || a == "--config") {
            if (i + 1 >= args.size()) {
                err << "v2v-bounce-parser: " << a << " needs a file name\n" << usageText();
                return std::nullopt;
            }
            o.configFile = args[++i];
        } else if (a.rfind("--config=", 0) == 0) {
            o.configFile = a.substr(9);
        } else if (a == "--parse-only") {
            o.parseOnly = true;
        } else if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (a == "-V" || a == "--version") {
            o.version = true;
        } else if (a == "--") {
            positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        } else if (!a.empty() && a[0] == '-') {
            err << "v2v-bounce-parser: unknown option " << a << "\n" << usageText();
            return std::nullopt;
        } else {
            positional.push_back(a);
        }
    }
    if (o.help || o.version) return o;
    if (o.parseOnly) {
        if (!positional.empty()) {
            err << "v2v-bounce-parser: --parse-only takes no SENDER RECIPIENT\n" << usageText();
            return std::nullopt;
        }
        return o;
    }
    if (positional.size() != 2) {
        err << "v2v-bounce-parser: expected SENDER and RECIPIENT (or --parse-only)\n" << usageText();
        return std::nullopt;
    }
    o.sender = positional[0];
    o.recipient = positional[1];
    return o;
}

int run(const Options& o) {
    Regex::setJit(false);  // one report per process: compiling for speed would cost more than it saves
    if (o.help) {
        std::cout << usageText();
        return kOk;
    }
    if (o.version) {
        std::cout << "v2v-bounce-parser " << PACKAGE_VERSION << "\n";
        return kOk;
    }
    return o.parseOnly ? parseOnly(o) : pipeMode(o);
}

}  // namespace v2v::bounce
