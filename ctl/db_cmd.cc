// v2vctl db ...: online backup, integrity check, retention pruning.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "ctl_common.h"
#include "db_ops.h"

namespace v2v::ctl {
namespace {

using nlohmann::json;

int backup(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--force"});
    if (a.positional.size() != 1) throw UsageError("db backup needs a destination FILE");
    const auto& d = ctx.config->database;
    BackupResult r;
    try {
        r = backupDatabase(d.path, d.busy_timeout_ms, a.positional[0], a.has("--force"));
    } catch (const DbError&) {
        throw;
    } catch (const std::runtime_error& e) {
        std::cerr << "v2vctl: db backup: " << e.what() << "\n";
        return kCantCreate;
    }
    if (r.integrity != "ok") {
        std::cerr << "v2vctl: db backup: the copy fails PRAGMA integrity_check (" << r.integrity
                  << "); nothing written\n";
        return kDataErr;
    }
    if (ctx.json)
        printJson({{"file", a.positional[0]}, {"pages", r.pages}, {"bytes", r.bytes}, {"emails", r.emails},
                   {"integrity", r.integrity}});
    else
        std::cout << a.positional[0] << ": " << r.bytes << " bytes, " << r.emails << " emails, integrity ok\n";
    return kOk;
}

int check(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--quick"});
    Db db(ctx.config->database, true);
    auto problems = integrityCheck(db, a.has("--quick"));
    bool ok = problems.size() == 1 && problems[0] == "ok";
    if (ctx.json) printJson({{"ok", ok}, {"problems", ok ? json::array() : json(problems)}});
    else for (const auto& p : problems) std::cout << p << "\n";
    return ok ? kOk : kDataErr;
}

int prune(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--days"}, {"--dry-run"});
    if (!a.has("--days")) throw UsageError("db prune needs --days N (keep the last N days)");
    long long days = a.getInt("--days", 0, 1, 36500);
    std::int64_t cutoff = nowSeconds() - days * 86400;
    Db db = openDatabase(ctx);
    PruneResult r = pruneBefore(db, cutoff, a.has("--dry-run"));
    if (ctx.json)
        printJson({{"cutoff", cutoff}, {"dry_run", a.has("--dry-run")}, {"events", r.events},
                   {"raw_reports", r.raw_reports}});
    else
        std::cout << (a.has("--dry-run") ? "would delete " : "deleted ") << r.events << " events and "
                  << (a.has("--dry-run") ? "drop " : "dropped ") << r.raw_reports
                  << " raw bounce reports older than " << days << " days\n";
    return kOk;
}

}  // namespace

void registerDbCommands(std::vector<Command>& out) {
    out.push_back({"db", "backup", "FILE [--force]",
                   "online copy of the live database (SQLite backup API) checked with PRAGMA integrity_check",
                   backup});
    out.push_back({"db", "check", "[--quick]", "PRAGMA integrity_check and foreign_key_check of the database", check,
                   true});
    out.push_back({"db", "prune", "--days N [--dry-run]",
                   "delete events and drop raw bounce reports older than N days (bounce rows stay)", prune});
}

}  // namespace v2v::ctl
