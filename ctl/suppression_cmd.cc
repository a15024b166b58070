// v2vctl suppression ...: a client's suppression list (list, add, remove,
// import and export as CSV "email,reason,source_email_id,created_at").
#include <fstream>
#include <iostream>

#include "api_values.h"
#include "args.h"
#include "clients.h"
#include "commands.h"
#include "csv.h"
#include "ctl_common.h"
#include "records.h"
#include "send_request.h"
#include "suppression_store.h"

namespace v2v::ctl {
namespace {

using nlohmann::json;

bool validReason(const std::string& r) {
    return r == "manual" || r == "unsubscribed" || r == "hard_bounce" || r == "complaint";
}

std::string reasonOption(const Args& a) {
    std::string r = a.get("--reason").value_or("manual");
    if (!validReason(r)) throw UsageError("--reason must be manual, unsubscribed, hard_bounce or complaint");
    return r;
}

// The client must exist: a typo would otherwise create a list nobody reads.
bool knownClient(Db& db, const std::string& id) {
    if (loadClient(db, id)) return true;
    std::cerr << "v2vctl: no client " << id << "\n";
    return false;
}

std::vector<gw::Suppression> everything(Db& db, const std::string& client) {
    std::vector<gw::Suppression> all;
    for (std::string after;;) {
        auto page = gw::listSuppressions(db, client, after, 1000);
        if (page.empty()) break;
        after = page.back().address;
        all.insert(all.end(), page.begin(), page.end());
    }
    return all;
}

int list(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {});
    if (a.positional.size() != 1) throw UsageError("suppression list needs a CLIENT");
    Db db = openDatabase(ctx);
    if (!knownClient(db, a.positional[0])) return kNotFound;
    json arr = json::array();
    for (const auto& s : everything(db, a.positional[0])) {
        if (ctx.json) arr.push_back(gw::suppressionJson(s));
        else std::cout << s.address << "\t" << s.reason << "\t" << gw::formatRfc3339(s.created_at) << "\t"
                       << s.source_email_id.value_or("-") << "\n";
    }
    if (ctx.json) printJson(arr);
    return kOk;
}

int add(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--reason"}, {});
    if (a.positional.size() != 2) throw UsageError("suppression add needs CLIENT ADDRESS");
    std::string reason = reasonOption(a);
    auto key = gw::suppressionKey(a.positional[1]);
    if (!key) throw UsageError("not a valid address: " + a.positional[1]);
    Db db = openDatabase(ctx);
    if (!knownClient(db, a.positional[0])) return kNotFound;
    Transaction tx(db);
    bool added = addSuppression(db, a.positional[0], *key, reason, std::nullopt, nowSeconds());
    tx.commit();
    auto s = gw::getSuppression(db, a.positional[0], *key);
    if (ctx.json) printJson({{"added", added}, {"suppression", gw::suppressionJson(*s)}});
    else std::cout << *key << (added ? " added" : " was already suppressed") << " (" << s->reason << ")\n";
    return kOk;
}

int remove(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {});
    if (a.positional.size() != 2) throw UsageError("suppression remove needs CLIENT ADDRESS");
    auto key = gw::suppressionKey(a.positional[1]);
    if (!key) throw UsageError("not a valid address: " + a.positional[1]);
    Db db = openDatabase(ctx);
    if (!knownClient(db, a.positional[0])) return kNotFound;
    if (!gw::removeSuppression(db, a.positional[0], *key)) {
        std::cerr << "v2vctl: " << *key << " is not suppressed for " << a.positional[0] << "\n";
        return kNotFound;
    }
    if (ctx.json) printJson({{"removed", *key}});
    else std::cout << *key << " removed\n";
    return kOk;
}

struct ImportRow {
    std::string address, reason;
    std::optional<std::string> source;
    std::int64_t at = 0;
};

int import(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--reason"}, {"--skip-invalid"});
    if (a.positional.size() != 2) throw UsageError("suppression import needs CLIENT FILE (- for standard input)");
    std::string defReason = reasonOption(a);
    std::ifstream file;
    if (a.positional[1] != "-") {
        file.open(a.positional[1], std::ios::binary);
        if (!file) throw UsageError("cannot read " + a.positional[1]);
    }
    CsvReader csv(a.positional[1] == "-" ? std::cin : file);
    std::vector<ImportRow> rows;
    std::vector<std::string> errors;
    std::int64_t now = nowSeconds();
    try {
        while (auto rec = csv.next()) {
            const auto& f = *rec;
            if (f.size() == 1 && f[0].empty()) continue;  // blank line
            if (csv.line() == 1 && toLowerAscii(f[0]) == "email") continue;  // header
            auto err = [&](const std::string& what) { errors.push_back("line " + std::to_string(csv.line()) + ": " + what); };
            auto key = gw::suppressionKey(f[0]);
            if (!key) { err("not a valid address"); continue; }
            ImportRow r{*key, f.size() > 1 && !f[1].empty() ? f[1] : defReason, std::nullopt, now};
            if (!validReason(r.reason)) { err("unknown reason " + r.reason.substr(0, 40)); continue; }
            if (f.size() > 2 && !f[2].empty()) r.source = f[2].substr(0, 64);
            if (f.size() > 3 && !f[3].empty()) {
                auto t = gw::parseRfc3339(f[3]);
                if (!t) { err("created_at is not an RFC 3339 time"); continue; }
                r.at = *t;
            }
            rows.push_back(std::move(r));
        }
    } catch (const CsvError& e) {
        std::cerr << "v2vctl: " << a.positional[1] << ": " << e.what() << "; nothing imported\n";
        return kDataErr;
    }
    for (std::size_t i = 0; i < errors.size() && i < 20; ++i) std::cerr << "v2vctl: " << a.positional[1] << ": " << errors[i] << "\n";
    if (!errors.empty() && !a.has("--skip-invalid")) {
        std::cerr << "v2vctl: " << errors.size() << " invalid line(s); nothing imported (--skip-invalid imports the rest)\n";
        return kDataErr;
    }
    Db db = openDatabase(ctx);
    if (!knownClient(db, a.positional[0])) return kNotFound;
    std::size_t added = 0;
    for (std::size_t i = 0; i < rows.size();) {
        Transaction tx(db);  // batches: writers wait at most one batch
        for (std::size_t end = std::min(rows.size(), i + 2000); i < end; ++i)
            added += addSuppression(db, a.positional[0], rows[i].address, rows[i].reason, rows[i].source, rows[i].at);
        tx.commit();
    }
    if (ctx.json) printJson({{"read", rows.size()}, {"added", added}, {"invalid", errors.size()}});
    else std::cout << rows.size() << " read, " << added << " added, " << rows.size() - added << " already suppressed, "
                   << errors.size() << " invalid\n";
    return kOk;
}

int exportCsv(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {});
    if (a.positional.empty() || a.positional.size() > 2) throw UsageError("suppression export needs CLIENT [FILE]");
    Db db = openDatabase(ctx);
    if (!knownClient(db, a.positional[0])) return kNotFound;
    std::ofstream file;
    if (a.positional.size() == 2 && a.positional[1] != "-") {
        file.open(a.positional[1], std::ios::binary | std::ios::trunc);
        if (!file) {
            std::cerr << "v2vctl: cannot write " << a.positional[1] << "\n";
            return kCantCreate;
        }
    }
    std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
    out << csvRow({"email", "reason", "source_email_id", "created_at"});
    for (const auto& s : everything(db, a.positional[0]))
        out << csvRow({s.address, s.reason, s.source_email_id.value_or(""), gw::formatRfc3339(s.created_at)});
    out.flush();
    return out ? kOk : kCantCreate;
}

}  // namespace

void registerSuppressionCommands(std::vector<Command>& out) {
    out.push_back({"suppression", "list", "CLIENT", "list a client's suppressed addresses", list, true});
    out.push_back({"suppression", "add", "CLIENT ADDRESS [--reason manual|unsubscribed|hard_bounce|complaint]",
                   "suppress an address for a client (kept with its first reason)", add});
    out.push_back({"suppression", "remove", "CLIENT ADDRESS", "allow sending to an address again", remove});
    out.push_back({"suppression", "import", "CLIENT FILE|- [--reason manual] [--skip-invalid]",
                   "add addresses from CSV (email[,reason[,source_email_id[,created_at]]], header optional); "
                   "any invalid line imports nothing unless --skip-invalid",
                   import});
    out.push_back({"suppression", "export", "CLIENT [FILE|-]",
                   "write the list as CSV with a header: email,reason,source_email_id,created_at", exportCsv, true});
}

}  // namespace v2v::ctl
