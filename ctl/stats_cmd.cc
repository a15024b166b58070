// v2vctl stats: delivery counters per day from the analytics table (what the
// gateway and the bounce parser count), with bounce and complaint rates, and
// the queue depths when Redis answers.
#include <iomanip>
#include <iostream>
#include <map>

#include "args.h"
#include "commands.h"
#include "ctl_common.h"
#include "queue.h"
#include "records.h"

namespace v2v::ctl {
namespace {

using nlohmann::json;

const char* const kColumns[] = {"sent",     "delivered", "deferred",   "failed",     "bounced_hard", "bounced_soft",
                                "complained", "opened",  "clicked",    "unsubscribed"};

double ratio(std::int64_t a, std::int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

json rates(std::map<std::string, std::int64_t>& m) {
    std::int64_t sent = m["sent"];
    return {{"bounce_rate", ratio(m["bounced_hard"] + m["bounced_soft"], sent)},
            {"hard_bounce_rate", ratio(m["bounced_hard"], sent)},
            {"complaint_rate", ratio(m["complained"], sent)},
            {"delivery_rate", ratio(m["delivered"], sent)}};
}

json queueDepths(const Context& ctx) {
    try {
        gw::Redis r(ctx.config->redis);
        gw::InjectQueue q(r);
        return {{"inject", q.streamLength()},
                {"scheduled", q.scheduledCount()},
                {"dead_letter", q.deadLetterCount()},
                {"pending", q.pendingCount()}};
    } catch (const std::exception&) {
        return nullptr;
    }
}

int stats(Context& ctx, const std::vector<std::string>& argv) {
    Args a = Args::parse(argv, {"--days", "--client", "--tag"}, {});
    int days = static_cast<int>(a.getInt("--days", 7, 1, 3660));
    std::string from = utcDay(nowSeconds() - static_cast<std::int64_t>(days - 1) * 86400);
    Db db = openDatabase(ctx);
    Stmt s = db.prepare(
        "SELECT day, metric, SUM(count) FROM analytics WHERE day >= ? AND tag = ? AND (? IS NULL OR client_id = ?) "
        "GROUP BY day, metric ORDER BY day");
    std::optional<std::string> client = a.get("--client");
    s.bind(1, from).bind(2, a.get("--tag").value_or("")).bind(3, client).bind(4, client);
    std::map<std::string, std::map<std::string, std::int64_t>> byDay;
    std::map<std::string, std::int64_t> total;
    while (s.step()) {
        byDay[s.getText(0)][s.getText(1)] += s.getInt(2);
        total[s.getText(1)] += s.getInt(2);
    }
    json queue = queueDepths(ctx);
    if (ctx.json) {
        json d = json::object();
        for (auto& [day, m] : byDay) d[day] = m;
        printJson({{"from", from}, {"days", d}, {"total", total}, {"rates", rates(total)}, {"queue", queue}});
        return kOk;
    }
    std::cout << std::left << std::setw(12) << "day";
    for (const char* c : kColumns) std::cout << std::right << std::setw(13) << c;
    std::cout << "\n";
    auto row = [](const std::string& label, std::map<std::string, std::int64_t>& m) {
        std::cout << std::left << std::setw(12) << label;
        for (const char* c : kColumns) std::cout << std::right << std::setw(13) << m[c];
        std::cout << "\n";
    };
    for (auto& [day, m] : byDay) row(day, m);
    row("total", total);
    json r = rates(total);
    std::cout << std::fixed << std::setprecision(2) << "bounce rate " << 100 * r["bounce_rate"].get<double>()
              << "% (hard " << 100 * r["hard_bounce_rate"].get<double>() << "%), complaint rate "
              << 100 * r["complaint_rate"].get<double>() << "%, delivered " << 100 * r["delivery_rate"].get<double>()
              << "% of sent\n";
    if (queue.is_null())
        std::cout << "queue: Redis unavailable\n";
    else
        std::cout << "queue: " << queue["inject"] << " to inject, " << queue["scheduled"] << " scheduled, "
                  << queue["pending"] << " in progress, " << queue["dead_letter"] << " dead letters\n";
    return kOk;
}

}  // namespace

void registerStatsCommands(std::vector<Command>& out) {
    out.push_back({"stats", "show", "[--days 7] [--client ID] [--tag TAG]",
                   "delivery counters per day (UTC) with bounce and complaint rates, and the queue depths", stats,
                   true});
}

}  // namespace v2v::ctl
