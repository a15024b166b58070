// Gateway side of tracking on a real temporary SQLite database: the batching
// event writer (first open/click, proxies, analytics, nothing lost on stop,
// bounded queue), one-click unsubscribe, statistics and the event listing
// (each client sees only its own), and the pages' escaping.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "clients.h"
#include "email_store.h"
#include "ids.h"
#include "records.h"
#include "tracking_events.h"
#include "tracking_stats.h"
#include "unsubscribe.h"
#include "temp_db.h"

using namespace v2v;
using namespace v2v::gw;
using nlohmann::json;

namespace {

const std::int64_t kDay = 1795000000;  // 2026-11-18T...Z

struct Fixture : v2v::test::TestDb {
    std::string e1, e2;  // alice's emails (tags welcome / none), e3 bob's
    std::string e3;
    Fixture() : TestDb({"alice", "bob"}) {
        e1 = email("alice", R"(["welcome","fall"])", {"a0@x.test", "a1@x.test"});
        e2 = email("alice", "[]", {"b0@x.test"});
        e3 = email("bob", "[]", {"c0@x.test"});
    }
    std::string email(const std::string& client, const std::string& tags, std::vector<std::string> to) {
        NewEmail e;
        e.id = newUlidForTest();
        e.client_id = client;
        e.message_id = e.id + "@x.test";
        e.from_address = "news@x.test";
        e.status = "submitted";
        e.tags_json = tags;
        e.metadata_json = R"({"campaign":"c1"})";
        for (const auto& a : to) e.recipients.push_back({a, "to", "submitted"});
        Transaction tx(*db);
        insertEmail(*db, e, kDay);
        tx.commit();
        return e.id;
    }
    static std::string newUlidForTest() {
        static int n = 0;
        unsigned char r[10] = {};
        r[9] = static_cast<unsigned char>(++n);
        return makeUlidForTest(r);
    }
    static std::string makeUlidForTest(const unsigned char r[10]);
    std::int64_t scalar(const std::string& sql) {
        Stmt s = db->prepare(sql);
        return s.step() ? s.getInt(0) : -1;
    }
    std::int64_t metric(const std::string& client, const std::string& tag, const std::string& m) {
        Stmt s = db->prepare("SELECT COALESCE(SUM(count),0) FROM analytics WHERE client_id=? AND tag=? AND metric=?");
        s.bind(1, client).bind(2, tag).bind(3, m);
        s.step();
        return s.getInt(0);
    }
};

std::string Fixture::makeUlidForTest(const unsigned char r[10]) { return makeUlid(1795000000000ULL, r); }

TrackHit hit(TokenKind k, const std::string& email, int idx, const std::string& ua = "Mozilla/5.0 (X11) Firefox/120",
             const std::string& ip = "198.51.100.1") {
    TrackHit h;
    h.kind = k;
    h.email_id = email;
    h.recipient = idx;
    h.at = kDay + 60;
    h.ip = ip;
    h.user_agent = ua;
    if (k == TokenKind::click) h.url = "https://shop.example/p?a=1&b=2";
    return h;
}

std::shared_ptr<Config> configFor(const std::string& path, int queueMax = 100000, int flushMs = 50) {
    auto c = std::make_shared<Config>();
    c->database.path = path;
    c->tracking.queue_max_events = queueMax;
    c->tracking.flush_interval_ms = flushMs;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tracking_agents)

BOOST_AUTO_TEST_CASE(known_proxies) {
    BOOST_TEST(classifyAgent("Mozilla/5.0", "203.0.113.9").proxy == "apple_mpp");
    BOOST_TEST(classifyAgent("Mozilla/5.0", "203.0.113.9").machine);
    BOOST_TEST(classifyAgent("Mozilla/5.0 (Macintosh) Safari", "17.58.1.2").proxy == "apple");
    BOOST_TEST(classifyAgent("x", "2620:149:a0c:1000::1").proxy == "apple");
    auto g = classifyAgent("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
                           "66.249.84.1");
    BOOST_TEST(g.proxy == "gmail");
    BOOST_TEST(!g.machine);
    BOOST_TEST(classifyAgent("YahooMailProxy; https://help.yahoo.com", "1.2.3.4").proxy == "yahoo");
    BOOST_TEST(classifyAgent("Mozilla/5.0 (iPhone) Mobile Safari", "18.1.1.1").proxy == "");
    BOOST_TEST(classifyAgent("", "not an ip").proxy == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(tracking_writer, Fixture)

BOOST_AUTO_TEST_CASE(first_open_and_click_are_marked_per_recipient) {
    HitCache cache;
    std::vector<TrackHit> hits = {hit(TokenKind::open, e1, 0), hit(TokenKind::open, e1, 0), hit(TokenKind::open, e1, 1),
                                  hit(TokenKind::click, e1, 0), hit(TokenKind::click, e1, 0)};
    WriteResult r = writeHits(*db, hits, cache);
    BOOST_TEST(r.written == 5u);
    // A later batch with a fresh cache still knows the earlier firsts (from the table).
    HitCache fresh;
    writeHits(*db, {hit(TokenKind::open, e1, 0), hit(TokenKind::open, e2, 0)}, fresh);
    Stmt s = db->prepare("SELECT recipient_idx, type, data FROM events WHERE type IN ('opened','clicked') ORDER BY id");
    std::vector<std::string> firsts;
    while (s.step())
        firsts.push_back(s.getText(1) + std::to_string(s.getInt(0)) +
                         (json::parse(s.getText(2))["first"].get<bool>() ? " first" : ""));
    std::vector<std::string> want = {"opened0 first", "opened0", "opened1 first", "clicked0 first",
                                     "clicked0",      "opened0", "opened0 first"};
    BOOST_TEST(firsts == want, boost::test_tools::per_element());
    BOOST_TEST(metric("alice", "", "opened") == 5);
    BOOST_TEST(metric("alice", "", "opened_unique") == 3);  // e1#0, e1#1, e2#0
    BOOST_TEST(metric("alice", "", "clicked") == 2);
    BOOST_TEST(metric("alice", "", "clicked_unique") == 1);
    BOOST_TEST(metric("alice", "welcome", "opened") == 4);  // per tag of e1
    BOOST_TEST(metric("alice", "fall", "clicked_unique") == 1);
    BOOST_TEST(metric("bob", "", "opened") == 0);
}

BOOST_AUTO_TEST_CASE(event_data_and_proxy_flags) {
    HitCache cache;
    writeHits(*db, {hit(TokenKind::open, e2, 0, "Mozilla/5.0", "203.0.113.7"), hit(TokenKind::click, e2, 0)}, cache);
    Stmt s = db->prepare("SELECT type, data, client_id FROM events WHERE email_id = ? AND type != 'suppressed' ORDER BY id");
    s.bind(1, e2);
    BOOST_REQUIRE(s.step());
    json open = json::parse(s.getText(1));
    BOOST_TEST(s.getText(2) == "alice");
    BOOST_TEST(open["ip"] == "203.0.113.7");
    BOOST_TEST(open["proxy"] == "apple_mpp");
    BOOST_TEST(open["machine"] == true);
    BOOST_REQUIRE(s.step());
    json click = json::parse(s.getText(1));
    BOOST_TEST(click["url"] == "https://shop.example/p?a=1&b=2");
    BOOST_TEST(click["proxy"].is_null());
    BOOST_TEST(metric("alice", "", "opened_machine") == 1);
}

BOOST_AUTO_TEST_CASE(smtp_hits_count_for_the_token_client_and_unknown_emails_are_skipped) {
    HitCache cache;
    TrackHit smtp = hit(TokenKind::open, "", -1);
    smtp.client_id = "bob";
    TrackHit gone = hit(TokenKind::open, "01ARYZ6S41TSV4RRFFQ69G5FAV", 0);  // not in the database
    WriteResult r = writeHits(*db, {smtp, gone}, cache);
    BOOST_TEST(r.written == 1u);
    BOOST_TEST(r.unattributed == 1u);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE client_id='bob' AND email_id IS NULL AND type='opened'") == 1);
    BOOST_TEST(metric("bob", "", "opened") == 1);
    BOOST_TEST(metric("bob", "", "opened_unique") == 0);  // no recipient: cannot tell
}

BOOST_AUTO_TEST_CASE(stop_writes_everything_queued) {
    auto cfg = configFor(tmp.dir + "/t.db", 1000000, 60000);  // a long interval: only stop() flushes
    EventWriter w(cfg);
    for (int i = 0; i < 5000; ++i) BOOST_REQUIRE(w.submit(hit(TokenKind::open, e1, i % 2)));
    w.stop();
    BOOST_TEST(w.written.load() == 5000u);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE type='opened'") == 5000);
    BOOST_TEST(metric("alice", "", "opened") == 5000);
    BOOST_TEST(!w.submit(hit(TokenKind::open, e1, 0)));  // after the writer exited: refused, counted
    BOOST_TEST(w.dropped.load() == 1u);
}

BOOST_AUTO_TEST_CASE(hits_are_written_within_the_flush_interval) {
    auto cfg = configFor(tmp.dir + "/t.db", 1000, 20);
    EventWriter w(cfg);
    BOOST_REQUIRE(w.submit(hit(TokenKind::click, e2, 0)));
    for (int i = 0; i < 200 && scalar("SELECT COUNT(*) FROM events WHERE type='clicked'") < 1; ++i) usleep(10000);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE type='clicked'") == 1);
    w.stop();
}

BOOST_AUTO_TEST_CASE(a_full_queue_drops_and_counts) {
    auto cfg = configFor(tmp.dir + "/t.db", 100, 60000);
    EventWriter w(cfg);
    int refused = 0;
    for (int i = 0; i < 150; ++i) refused += w.submit(hit(TokenKind::open, e1, 0)) ? 0 : 1;
    BOOST_TEST(refused == 50);
    BOOST_TEST(w.dropped.load() == 50u);
    w.stop();
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE type='opened'") == 100);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(tracking_unsubscribe, Fixture)

BOOST_AUTO_TEST_CASE(unsubscribe_suppresses_once_and_records_one_event) {
    TrackingTarget t;
    t.kind = TokenKind::unsubscribe;
    t.email_id = e1;
    t.recipient = 1;
    auto target = findUnsubscribeTarget(*db, t);
    BOOST_REQUIRE(target);
    BOOST_TEST(target->address == "a1@x.test");
    BOOST_TEST(target->client_id == "alice");
    BOOST_TEST(unsubscribe(*db, *target, "192.0.2.1", "Gmail", "one-click", kDay));
    BOOST_TEST(!unsubscribe(*db, *target, "192.0.2.1", "Gmail", "one-click", kDay + 5));  // again: no new event
    BOOST_TEST(isSuppressed(*db, "alice", "A1@X.TEST"));
    BOOST_TEST(!isSuppressed(*db, "bob", "a1@x.test"));
    BOOST_TEST(scalar("SELECT COUNT(*) FROM suppressions WHERE reason='unsubscribed' AND source_email_id='" + e1 + "'") == 1);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE type='unsubscribed' AND recipient_idx=1") == 1);
    BOOST_TEST(metric("alice", "welcome", "unsubscribed") == 1);
    // A recipient index or email that does not exist, or another kind of token: nothing.
    t.recipient = 7;
    BOOST_CHECK(!findUnsubscribeTarget(*db, t));
    t.recipient = 0;
    t.kind = TokenKind::open;
    BOOST_CHECK(!findUnsubscribeTarget(*db, t));
}

BOOST_AUTO_TEST_CASE(pages_escape_what_they_show) {
    UnsubscribeTarget t{e1, 0, "alice", "\"><script>alert(1)</script>@x.test", "news&co@x.test"};
    std::string page = unsubscribeConfirmPage(t);
    BOOST_TEST(page.find("<script>") == std::string::npos);
    BOOST_TEST(page.find("&quot;&gt;&lt;script&gt;") != std::string::npos);
    BOOST_TEST(page.find("news&amp;co@x.test") != std::string::npos);
    BOOST_TEST(page.find("<form method=\"post\">") != std::string::npos);
    BOOST_TEST(page.find("name=\"List-Unsubscribe\" value=\"One-Click\"") != std::string::npos);
    BOOST_TEST(page.find("<html lang=\"en\">") != std::string::npos);
    BOOST_TEST(unsubscribeDonePage(t).find("<script>") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(tracking_read, Fixture)

BOOST_AUTO_TEST_CASE(stats_query_parameters) {
    auto ok = parseStatsQuery(std::nullopt, std::nullopt, std::nullopt, std::nullopt, kDay);
    BOOST_REQUIRE(std::holds_alternative<StatsQuery>(ok));
    BOOST_TEST(std::get<StatsQuery>(ok).to == utcDay(kDay));
    BOOST_TEST(std::get<StatsQuery>(ok).from == utcDay(kDay - 29 * 86400));
    auto field = [](auto v) { return std::get<ApiError>(v).field; };
    BOOST_TEST(field(parseStatsQuery(std::string("2026-02-30"), std::nullopt, std::nullopt, std::nullopt, kDay)) == "from");
    BOOST_TEST(field(parseStatsQuery(std::nullopt, std::string("yesterday"), std::nullopt, std::nullopt, kDay)) == "to");
    BOOST_TEST(field(parseStatsQuery(std::string("2026-05-02"), std::string("2026-05-01"), std::nullopt, std::nullopt,
                                     kDay)) == "from");
    BOOST_TEST(field(parseStatsQuery(std::string("2024-01-01"), std::string("2026-01-01"), std::nullopt, std::nullopt,
                                     kDay)) == "from");
    BOOST_TEST(field(parseStatsQuery(std::nullopt, std::nullopt, std::nullopt, std::string("week"), kDay)) == "group_by");
    BOOST_TEST(field(parseStatsQuery(std::nullopt, std::nullopt, std::string("a"), std::string("tag"), kDay)) ==
               "group_by");
}

BOOST_AUTO_TEST_CASE(stats_by_day_and_tag_with_rates_for_one_client_only) {
    std::int64_t d = kDay;
    std::vector<std::string> tags = {"welcome"};
    for (int i = 0; i < 10; ++i) bumpAnalytics(*db, "alice", tags, "sent", d);
    for (int i = 0; i < 8; ++i) bumpAnalytics(*db, "alice", tags, "delivered", d);
    bumpAnalytics(*db, "alice", tags, "bounced_hard", d);
    bumpAnalytics(*db, "alice", {}, "bounced_soft", d + 86400);
    HitCache cache;
    writeHits(*db, {hit(TokenKind::open, e1, 0), hit(TokenKind::open, e1, 0), hit(TokenKind::open, e1, 1),
                    hit(TokenKind::click, e1, 1)},
              cache);
    bumpAnalytics(*db, "bob", {}, "sent", d, 1000);
    StatsQuery q{utcDay(d), utcDay(d + 86400), "", "day"};
    json s = trackingStats(*db, "alice", q);
    BOOST_TEST(s["client_id"] == "alice");
    const json& t = s["totals"];
    BOOST_TEST(t["sent"] == 10);
    BOOST_TEST(t["delivered"] == 8);
    BOOST_TEST(t["bounced"] == 2);
    BOOST_TEST(t["opened"] == 3);
    BOOST_TEST(t["opened_unique"] == 2);
    BOOST_TEST(t["clicked_unique"] == 1);
    BOOST_TEST(t["rates"]["delivery"].get<double>() == 0.8);
    BOOST_TEST(t["rates"]["open"].get<double>() == 0.25);
    BOOST_TEST(t["rates"]["click_to_open"].get<double>() == 0.5);
    BOOST_TEST(t["rates"]["complaint"].get<double>() == 0.0);
    BOOST_REQUIRE(s["groups"].size() == 2u);
    BOOST_TEST(s["groups"][1]["day"] == utcDay(d + 86400));
    BOOST_TEST(s["groups"][1]["bounced_soft"] == 1);
    BOOST_TEST(s["groups"][1]["rates"]["delivery"].is_null());  // nothing sent that day
    // By tag: welcome and fall (the tags of e1); totals stay those of all mail.
    json byTag = trackingStats(*db, "alice", StatsQuery{utcDay(d), utcDay(d), "", "tag"});
    BOOST_REQUIRE(byTag["groups"].size() == 2u);
    BOOST_TEST(byTag["groups"][0]["tag"] == "fall");
    BOOST_TEST(byTag["groups"][1]["tag"] == "welcome");
    BOOST_TEST(byTag["groups"][1]["sent"] == 10);
    BOOST_TEST(byTag["totals"]["sent"] == 10);
    // One tag only.
    json one = trackingStats(*db, "alice", StatsQuery{utcDay(d), utcDay(d), "fall", "none"});
    BOOST_TEST(one["totals"]["sent"] == 0);
    BOOST_TEST(one["totals"]["opened"] == 3);
    BOOST_TEST(one["groups"].empty());
    // Bob sees only his own.
    json bob = trackingStats(*db, "bob", q);
    BOOST_TEST(bob["totals"]["sent"] == 1000);
    BOOST_TEST(bob["totals"]["opened"] == 0);
}

BOOST_AUTO_TEST_CASE(events_are_paged_filtered_and_private) {
    HitCache cache;
    std::vector<TrackHit> hits;
    for (int i = 0; i < 5; ++i) hits.push_back(hit(TokenKind::open, e1, i % 2));
    hits.push_back(hit(TokenKind::click, e1, 1));
    hits.push_back(hit(TokenKind::open, e3, 0));
    writeHits(*db, hits, cache);
    EventQuery opened;
    opened.type = "opened";
    auto page1 = listEvents(*db, "alice", opened, "", 3);
    BOOST_REQUIRE(page1.size() == 3u);
    auto page2 = listEvents(*db, "alice", opened, eventCursorKey(page1.back()), 10);
    BOOST_TEST(page2.size() == 2u);
    BOOST_TEST(page2.front().id > page1.back().id);
    json j = eventJson(page1[1]);
    BOOST_TEST(j["type"] == "opened");
    BOOST_TEST(j["recipient"] == "a1@x.test");
    BOOST_TEST(j["recipient_index"] == 1);
    BOOST_TEST(j["tags"] == json({"welcome", "fall"}));
    BOOST_TEST(j["metadata"]["campaign"] == "c1");
    BOOST_TEST(j["data"]["first"] == true);
    EventQuery clicks;
    clicks.type = "clicked";
    BOOST_TEST(listEvents(*db, "alice", clicks, "", 10).size() == 1u);
    EventQuery ofE3;
    ofE3.email_id = e3;
    BOOST_TEST(listEvents(*db, "alice", ofE3, "", 10).empty());  // bob's email
    BOOST_TEST(listEvents(*db, "bob", opened, "", 10).size() == 1u);
    EventQuery late;
    late.since = kDay + 61;
    BOOST_TEST(listEvents(*db, "alice", late, "", 10).empty());
}

BOOST_AUTO_TEST_SUITE_END()
