// v2vctl dkim ...: the key table (milter.dkim.key_table) and DNS records.
// Keys listed in milter.dkim.keys are shown but managed in v2v.yaml.
#include <unistd.h>

#include <iostream>

#include "args.h"
#include "commands.h"
#include "ctl_common.h"
#include "dkim_key_table.h"
#include "dkim_keygen.h"
#include "dkim_keys.h"
#include "records.h"

namespace v2v::ctl {
namespace {

using nlohmann::json;

const std::string& tablePath(const Context& ctx) {
    const std::string& p = ctx.config->milter.dkim.key_table;
    if (p.empty()) throw UsageError("milter.dkim.key_table is not set in " + ctx.config->file);
    return p;
}

std::string algorithmOption(const Args& a) {
    std::string v = a.get("--algorithm").value_or("rsa");
    if (v == "rsa" || v == "rsa-sha256") return "rsa-sha256";
    if (v == "ed25519" || v == "ed25519-sha256") return "ed25519-sha256";
    throw UsageError("--algorithm must be rsa or ed25519");
}

std::string keyDir(const Context& ctx, const Args& a) {
    if (auto d = a.get("--key-dir")) return *d;
    const std::string& t = tablePath(ctx);
    auto slash = t.rfind('/');
    return slash == std::string::npos ? "." : t.substr(0, slash);
}

std::string absolutePath(const std::string& p) {
    if (!p.empty() && p[0] == '/') return p;
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) throw std::runtime_error("getcwd failed");
    return std::string(buf) + "/" + p;
}

// name + value of one key, from the milter's own record code.
std::pair<std::string, std::string> dnsRecord(const KeyTableEntry& e) {
    std::vector<std::string> warnings;
    auto t = milter::KeyTable::load({{e.domain, e.selector, e.key_file, e.algorithm}}, false, &warnings);
    const auto& k = *t.all().front();
    return {milter::dnsRecordName(k), milter::dnsRecordValue(k)};
}

void printRecord(const Context& ctx, const KeyTableEntry& e, json* out = nullptr) {
    auto [name, value] = dnsRecord(e);
    if (out) {
        (*out)["dns_name"] = name;
        (*out)["dns_txt"] = value;
        return;
    }
    if (ctx.json) return;
    std::cout << name << ". IN TXT " << zoneTxt(value) << "\n";
}

KeyTableEntry addKey(const Context& ctx, const Args& a, const std::string& domain, const std::string& selector) {
    KeyTableEntry e;
    e.domain = toLowerAscii(domain);
    e.selector = selector;
    e.algorithm = algorithmOption(a);
    e.key_file = absolutePath(keyDir(ctx, a)) + "/" + e.domain + "." + e.selector + ".private";
    auto table = loadKeyTable(tablePath(ctx));
    table.push_back(e);
    // Checks the new line (domain, selector, duplicates) before any file is written.
    parseKeyTable(formatKeyTable(table), tablePath(ctx));
    for (const auto& k : ctx.config->milter.dkim.keys)
        if (toLowerAscii(k.domain) == e.domain && k.selector == e.selector)
            throw UsageError("selector " + selector + " of " + e.domain + " is already in milter.dkim.keys");
    generateDkimKey(e.algorithm, static_cast<int>(a.getInt("--bits", 2048, 1024, 8192)), e.key_file);
    saveKeyTable(tablePath(ctx), table);
    return e;
}

json entryJson(const KeyTableEntry& e, const std::string& source, const std::string& today) {
    return {{"domain", e.domain},         {"selector", e.selector},
            {"algorithm", e.algorithm},   {"key_file", e.key_file},
            {"retire_after", e.retire_after.empty() ? json(nullptr) : json(e.retire_after)},
            {"active", keyActive(e, today)}, {"source", source}};
}

std::vector<std::pair<KeyTableEntry, std::string>> allKeys(const Context& ctx) {
    std::vector<std::pair<KeyTableEntry, std::string>> v;
    for (const auto& k : ctx.config->milter.dkim.keys)
        v.push_back({{toLowerAscii(k.domain), k.selector, k.algorithm, k.key_file, ""}, "config"});
    for (auto& e : loadKeyTable(ctx.config->milter.dkim.key_table)) v.push_back({e, "key_table"});
    return v;
}

const char* kReload = "reload v2v-milter (SIGHUP) to apply; publish the DNS record first";

int list(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--records"});
    std::string today = utcDay(nowSeconds());
    json arr = json::array();
    for (const auto& [e, source] : allKeys(ctx)) {
        json j = entryJson(e, source, today);
        if (a.has("--records")) printRecord(ctx, e, &j);
        if (ctx.json) {
            arr.push_back(j);
            continue;
        }
        std::cout << e.domain << "\t" << e.selector << "\t" << e.algorithm << "\t"
                  << (keyActive(e, today) ? (e.retire_after.empty() ? "active" : "signs until " + e.retire_after)
                                          : "retired " + e.retire_after)
                  << "\t" << source << "\t" << e.key_file << "\n";
        if (a.has("--records")) std::cout << "  " << j["dns_name"].get<std::string>() << " " << j["dns_txt"].get<std::string>() << "\n";
    }
    if (ctx.json) printJson(arr);
    return kOk;
}

int record(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {});
    if (a.positional.size() > 1) throw UsageError("dkim record takes at most a DOMAIN");
    std::string today = utcDay(nowSeconds());
    json arr = json::array();
    for (const auto& [e, source] : allKeys(ctx)) {
        if (!keyActive(e, today) || (!a.positional.empty() && e.domain != toLowerAscii(a.positional[0]))) continue;
        json j = entryJson(e, source, today);
        printRecord(ctx, e, &j);
        arr.push_back(j);
        if (!ctx.json) printRecord(ctx, e);
    }
    if (ctx.json) printJson(arr);
    return kOk;
}

int generate(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--algorithm", "--bits", "--key-dir"}, {});
    if (a.positional.size() != 2) throw UsageError("dkim generate needs DOMAIN SELECTOR");
    KeyTableEntry e = addKey(ctx, a, a.positional[0], a.positional[1]);
    json j = entryJson(e, "key_table", utcDay(nowSeconds()));
    printRecord(ctx, e, &j);
    if (ctx.json) {
        printJson(j);
    } else {
        std::cout << "key " << e.key_file << " added to " << tablePath(ctx) << "\nDNS record:\n";
        printRecord(ctx, e);
        std::cout << kReload << "\n";
    }
    return kOk;
}

int rotate(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--algorithm", "--bits", "--key-dir", "--overlap-days"}, {});
    if (a.positional.size() != 2) throw UsageError("dkim rotate needs DOMAIN NEW_SELECTOR");
    int overlap = static_cast<int>(a.getInt("--overlap-days", 7, 0, 365));
    std::string domain = toLowerAscii(a.positional[0]);
    KeyTableEntry fresh = addKey(ctx, a, domain, a.positional[1]);
    // The domain's other keys of the same algorithm sign until the overlap ends.
    std::string today = utcDay(nowSeconds()), until = addDays(today, overlap);
    auto table = loadKeyTable(tablePath(ctx));
    std::vector<std::string> retiring;
    for (auto& e : table)
        if (e.domain == domain && e.selector != fresh.selector && e.algorithm == fresh.algorithm &&
            (e.retire_after.empty() || e.retire_after > until)) {
            e.retire_after = until;
            retiring.push_back(e.selector);
        }
    saveKeyTable(tablePath(ctx), table);
    json j = entryJson(fresh, "key_table", today);
    printRecord(ctx, fresh, &j);
    j["retiring"] = retiring;
    j["retire_after"] = until;
    if (ctx.json) {
        printJson(j);
        return kOk;
    }
    std::cout << "new key " << fresh.selector << " for " << domain << ": " << fresh.key_file << "\nDNS record:\n";
    printRecord(ctx, fresh);
    for (const auto& s : retiring) std::cout << "selector " << s << " signs until " << until << " (UTC), then retires\n";
    for (const auto& k : ctx.config->milter.dkim.keys)
        if (toLowerAscii(k.domain) == domain)
            std::cout << "note: selector " << k.selector << " is in milter.dkim.keys: remove it from v2v.yaml yourself\n";
    std::cout << kReload << "; keep old DNS records until the messages they signed are delivered\n";
    return kOk;
}

int retire(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--after"}, {"--now"});
    if (a.positional.size() != 2) throw UsageError("dkim retire needs DOMAIN SELECTOR");
    std::string today = utcDay(nowSeconds());
    std::string day = a.has("--now") ? addDays(today, -1) : a.get("--after").value_or(today);
    if (!validDay(day)) throw UsageError("--after must be a date YYYY-MM-DD");
    auto table = loadKeyTable(tablePath(ctx));
    for (auto& e : table)
        if (e.domain == toLowerAscii(a.positional[0]) && e.selector == a.positional[1]) {
            e.retire_after = day;
            saveKeyTable(tablePath(ctx), table);
            if (ctx.json) printJson(entryJson(e, "key_table", today));
            else std::cout << e.selector << "._domainkey." << e.domain << " signs until " << day << "; " << kReload << "\n";
            return kOk;
        }
    std::cerr << "v2vctl: no key " << a.positional[1] << " of " << a.positional[0] << " in " << tablePath(ctx) << "\n";
    return kNotFound;
}

int prune(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--delete-keys", "--dry-run"});
    std::string today = utcDay(nowSeconds());
    auto table = loadKeyTable(tablePath(ctx));
    std::vector<KeyTableEntry> keep, gone;
    for (auto& e : table) (keyActive(e, today) ? keep : gone).push_back(e);
    if (!a.has("--dry-run")) {
        saveKeyTable(tablePath(ctx), keep);
        if (a.has("--delete-keys"))
            for (const auto& e : gone) ::unlink(e.key_file.c_str());
    }
    json arr = json::array();
    for (const auto& e : gone) {
        arr.push_back(entryJson(e, "key_table", today));
        if (!ctx.json) std::cout << (a.has("--dry-run") ? "would remove " : "removed ") << e.domain << " " << e.selector << " (retired " << e.retire_after << ")\n";
    }
    if (ctx.json) printJson(arr);
    return kOk;
}

}  // namespace

void registerDkimCommands(std::vector<Command>& out) {
    out.push_back({"dkim", "list", "[--records]",
                   "list signing keys (milter.dkim.keys and the key table) with their state", list, true});
    out.push_back({"dkim", "record", "[DOMAIN]", "print the DNS TXT record of every active key", record, true});
    out.push_back({"dkim", "generate", "DOMAIN SELECTOR [--algorithm rsa|ed25519] [--bits 2048] [--key-dir DIR]",
                   "create a key, add it to milter.dkim.key_table and print its DNS record", generate});
    out.push_back({"dkim", "rotate",
                   "DOMAIN NEW_SELECTOR [--algorithm rsa|ed25519] [--bits 2048] [--overlap-days 7] [--key-dir DIR]",
                   "add a new key; the domain's older keys of that algorithm keep signing for the overlap, then retire",
                   rotate});
    out.push_back({"dkim", "retire", "DOMAIN SELECTOR [--after YYYY-MM-DD | --now]",
                   "set the last day a key of the key table signs", retire});
    out.push_back({"dkim", "prune", "[--dry-run] [--delete-keys]",
                   "remove retired keys from the key table (and their key files with --delete-keys)", prune});
}

}  // namespace v2v::ctl
