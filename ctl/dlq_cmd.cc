// v2vctl dlq ...: the injector's dead-letter stream (emails whose SMTP
// submission kept failing past gateway.max_attempts).
#include <iostream>

#include "api_values.h"
#include "args.h"
#include "commands.h"
#include "ctl_common.h"
#include "dead_letters.h"

namespace v2v::ctl {
namespace {

using nlohmann::json;

json letterJson(const DeadLetter& d) {
    auto idx = recipientOfReason(d.reason);
    return {{"entry_id", d.entry_id},
            {"email_id", d.email_id},
            {"recipient_index", idx ? json(*idx) : json(nullptr)},
            {"reason", d.reason},
            {"at", gw::formatRfc3339(d.at_ms / 1000)}};
}

// The entries named on the command line, or every entry with --all.
std::vector<DeadLetter> selected(gw::Redis& r, const Args& a, int& missing) {
    missing = 0;
    if (a.has("--all")) {
        if (!a.positional.empty()) throw UsageError("give entry ids or --all, not both");
        return listDeadLetters(r, 0);
    }
    if (a.positional.empty()) throw UsageError("give ENTRY_ID... (see dlq list) or --all");
    std::vector<DeadLetter> v;
    for (const auto& id : a.positional) {
        if (auto d = findDeadLetter(r, id)) v.push_back(*d);
        else {
            std::cerr << "v2vctl: no dead letter " << id << "\n";
            ++missing;
        }
    }
    return v;
}

int list(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--limit"}, {});
    gw::Redis redis(ctx.config->redis);
    auto letters = listDeadLetters(redis, static_cast<int>(a.getInt("--limit", 0, 0, 1000000)));
    json arr = json::array();
    for (const auto& d : letters) {
        if (ctx.json) arr.push_back(letterJson(d));
        else std::cout << d.entry_id << "\t" << gw::formatRfc3339(d.at_ms / 1000) << "\t" << d.email_id << "\t" << d.reason << "\n";
    }
    if (ctx.json) printJson(arr);
    return kOk;
}

int replay(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--all"});
    gw::Redis redis(ctx.config->redis);
    int missing = 0;
    auto letters = selected(redis, a, missing);
    Db db = openDatabase(ctx);
    json arr = json::array();
    int unknown = 0;
    for (const auto& d : letters) {
        int n = replayDeadLetter(db, redis, d);
        json j = letterJson(d);
        j["requeued_recipients"] = n < 0 ? json(nullptr) : json(n);
        arr.push_back(j);
        if (n < 0) ++unknown;
        if (ctx.json) continue;
        if (n < 0) std::cerr << "v2vctl: " << d.entry_id << ": email " << d.email_id << " is not in the database; entry kept\n";
        else std::cout << d.entry_id << "\t" << d.email_id << "\t" << n << " recipient(s) re-queued\n";
    }
    if (ctx.json) printJson(arr);
    return (missing || unknown) ? kNotFound : kOk;
}

int drop(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {}, {"--all"});
    gw::Redis redis(ctx.config->redis);
    int missing = 0;
    auto letters = selected(redis, a, missing);
    json arr = json::array();
    for (const auto& d : letters) {
        dropDeadLetter(redis, d.entry_id);
        arr.push_back(letterJson(d));
        if (!ctx.json) std::cout << d.entry_id << "\t" << d.email_id << "\tdropped\n";
    }
    if (ctx.json) printJson(arr);
    return missing ? kNotFound : kOk;
}

// Redis down is a temporary failure of these commands.
Command withRedis(Command c) {
    auto run = c.run;
    c.run = [run](Context& ctx, const std::vector<std::string>& argv) {
        try {
            return run(ctx, argv);
        } catch (const gw::RedisError& e) {
            std::cerr << "v2vctl: " << e.what() << "\n";
            return static_cast<int>(kTempFail);
        }
    };
    return c;
}

}  // namespace

void registerDeadLetterCommands(std::vector<Command>& out) {
    out.push_back(withRedis({"dlq", "list", "[--limit N]",
                             "list dead letters, oldest first: entry id, time, email id, last SMTP reply", list, true}));
    out.push_back(withRedis({"dlq", "replay", "ENTRY_ID... | --all",
                             "set the failed recipient back to queued and queue the email again; removes the entry",
                             replay}));
    out.push_back(withRedis({"dlq", "drop", "ENTRY_ID... | --all",
                             "remove dead letters without sending (the recipients stay failed)", drop}));
}

}  // namespace v2v::ctl
