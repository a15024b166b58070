// v2vctl client ...: add, show, list, disable, enable, rotate-secret.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "args.h"
#include "clients.h"
#include "commands.h"
#include "db.h"
#include "ids.h"

namespace v2v::ctl {
namespace {

using nlohmann::json;

json clientJson(const Client& c) {
    return {{"id", c.id},
            {"name", c.name},
            {"scopes", c.scopes},
            {"from_domains", c.allowed_from_domains},
            {"rate_per_second", c.rate_per_second},
            {"rate_burst", c.rate_burst},
            {"max_message_bytes", c.max_message_bytes},
            {"max_recipients", c.max_recipients},
            {"track_opens", c.track_opens},
            {"track_clicks", c.track_clicks},
            {"list_unsubscribe", c.list_unsubscribe},
            {"disabled", c.disabled}};
}

void printClient(const Context& ctx, const Client& c) {
    if (ctx.json) {
        std::cout << clientJson(c).dump() << "\n";
        return;
    }
    std::cout << "id:               " << c.id << "\n"
              << "name:             " << c.name << "\n"
              << "scopes:           " << joinWords(c.scopes) << "\n"
              << "from domains:     " << joinWords(c.allowed_from_domains) << "\n"
              << "rate:             " << c.rate_per_second << "/s, burst " << c.rate_burst << "\n"
              << "max recipients:   " << c.max_recipients << "\n"
              << "max message size: " << c.max_message_bytes << "\n"
              << "disabled:         " << (c.disabled ? "yes" : "no") << "\n";
}

std::string readSecret(const Args& a) {
    if (!a.has("--secret-stdin")) return randomToken(32);
    std::string s;
    std::getline(std::cin, s);
    if (s.size() < 16) throw UsageError("the secret must be at least 16 characters");
    return s;
}

Db openDb(const Context& ctx) {
    Db db(ctx.config->database);
    migrate(db);
    return db;
}

void applyOptions(Client& c, const Args& a) {
    if (auto v = a.get("--name")) c.name = *v;
    if (auto v = a.get("--scopes")) {
        c.scopes = splitWords(*v);
        for (const auto& s : c.scopes)
            if (!validScope(s)) throw UsageError("--scopes: unknown scope '" + s + "' (send templates read admin)");
    }
    if (auto v = a.get("--from-domains")) c.allowed_from_domains = splitWords(*v);
    c.rate_per_second = a.getDouble("--rate", c.rate_per_second, 0.01, 1e6);
    c.rate_burst = static_cast<int>(a.getInt("--burst", c.rate_burst, 1, 10000000));
    c.max_recipients = static_cast<int>(a.getInt("--max-recipients", c.max_recipients, 1, 1000));
    c.max_message_bytes = a.getInt("--max-bytes", c.max_message_bytes, 1024, 100LL * 1024 * 1024);
}

const std::set<std::string> kValued = {"--name", "--scopes", "--from-domains", "--rate", "--burst",
                                       "--max-recipients", "--max-bytes"};

int add(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, kValued, {"--secret-stdin"});
    if (a.positional.size() != 1) throw UsageError("client add needs exactly one ID");
    Client c;
    c.id = a.positional[0];
    if (!validClientId(c.id)) throw UsageError("client id must be 1..64 of A-Z a-z 0-9 . _ -");
    c.name = c.id;
    c.scopes = {"send", "read"};
    applyOptions(c, a);
    std::string secret = readSecret(a);
    Db db = openDb(ctx);
    if (loadClient(db, c.id)) {
        std::cerr << "v2vctl: client " << c.id << " already exists\n";
        return kDataErr;
    }
    insertClient(db, c, hashSecret(secret));
    if (ctx.json) {
        json j = clientJson(c);
        if (!a.has("--secret-stdin")) j["secret"] = secret;
        std::cout << j.dump() << "\n";
    } else {
        printClient(ctx, c);
        if (!a.has("--secret-stdin")) std::cout << "secret:           " << secret << "  (shown once)\n";
    }
    return kOk;
}

int show(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {});
    if (a.positional.size() != 1) throw UsageError("client show needs exactly one ID");
    Db db = openDb(ctx);
    auto c = loadClient(db, a.positional[0]);
    if (!c) {
        std::cerr << "v2vctl: no client " << a.positional[0] << "\n";
        return kNotFound;
    }
    printClient(ctx, *c);
    return kOk;
}

int list(Context& ctx, const std::vector<std::string>& argv) {
    Args::parse(argv, {}, {});
    Db db = openDb(ctx);
    json arr = json::array();
    for (const auto& c : listClients(db)) {
        if (ctx.json)
            arr.push_back(clientJson(c));
        else
            std::cout << c.id << "\t" << (c.disabled ? "disabled" : "enabled") << "\t" << joinWords(c.scopes)
                      << "\t" << c.name << "\n";
    }
    if (ctx.json) std::cout << arr.dump() << "\n";
    return kOk;
}

int modify(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, kValued, {"--disable", "--enable"});
    if (a.positional.size() != 1) throw UsageError("client modify needs exactly one ID");
    Db db = openDb(ctx);
    auto c = loadClient(db, a.positional[0]);
    if (!c) {
        std::cerr << "v2vctl: no client " << a.positional[0] << "\n";
        return kNotFound;
    }
    applyOptions(*c, a);
    if (a.has("--disable")) c->disabled = true;
    if (a.has("--enable")) c->disabled = false;
    updateClient(db, *c);
    printClient(ctx, *c);
    return kOk;
}

int rotate(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--secret-stdin"});
    if (a.positional.size() != 1) throw UsageError("client rotate-secret needs exactly one ID");
    std::string secret = readSecret(a);
    Db db = openDb(ctx);
    if (!loadClient(db, a.positional[0])) {
        std::cerr << "v2vctl: no client " << a.positional[0] << "\n";
        return kNotFound;
    }
    setClientSecretHash(db, a.positional[0], hashSecret(secret));
    if (!a.has("--secret-stdin")) {
        if (ctx.json)
            std::cout << json{{"id", a.positional[0]}, {"secret", secret}}.dump() << "\n";
        else
            std::cout << "secret: " << secret << "  (shown once)\n";
    }
    return kOk;
}

}  // namespace

void registerClientCommands(std::vector<Command>& out) {
    const std::string opts =
        "[--name NAME] [--scopes 'send templates read admin'] [--from-domains 'a.example b.example'] "
        "[--rate PER_SECOND] [--burst N] [--max-recipients N] [--max-bytes N]";
    out.push_back({"client", "add", "ID " + opts + " [--secret-stdin]",
                   "create an API client; prints its secret once unless --secret-stdin", add});
    out.push_back({"client", "show", "ID", "show one client", show, true});
    out.push_back({"client", "list", "", "list clients", list, true});
    out.push_back({"client", "modify", "ID " + opts + " [--disable | --enable]",
                   "change a client's settings", modify});
    out.push_back({"client", "rotate-secret", "ID [--secret-stdin]",
                   "replace a client's secret (old tokens stay valid until they expire)", rotate});
}

}  // namespace v2v::ctl
