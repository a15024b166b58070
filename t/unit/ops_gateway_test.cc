// Gateway operations: OpenAPI route table, audit records, delivery cursor.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ops_fixtures.h"
#include "audit.h"
#include "log.h"
#include "ops_monitor.h"
#include "records.h"
#include "request_ops.h"
#include "route_table.h"

using namespace v2v;
using namespace v2v::gw;

BOOST_AUTO_TEST_SUITE(route_table)

BOOST_AUTO_TEST_CASE(embedded_document_lists_the_api) {
    const RouteTable& t = gatewayRoutes();
    BOOST_TEST(t.routes().size() >= 18u);
    auto m = t.match("POST", "/api/v1/email/send");
    BOOST_REQUIRE(m.route);
    BOOST_TEST(m.route->path == "/api/v1/email/send");
    BOOST_TEST(!m.route->isPublic);
    // The token route is audited: its security is optional, not empty.
    BOOST_TEST(!t.match("POST", "/api/v1/auth/token").route->isPublic);
    BOOST_TEST(t.match("GET", "/api/v1/health/ready").route->isPublic);
    BOOST_TEST(t.match("GET", "/metrics").route->isPublic);
    BOOST_TEST(t.match("GET", "/api/v1/openapi.yaml").route->isPublic);
}

BOOST_AUTO_TEST_CASE(parameters_and_literal_preference) {
    const RouteTable& t = gatewayRoutes();
    auto m = t.match("GET", "/api/v1/email/01M8FM8Q15AFQ3HAA15AT119B7");
    BOOST_REQUIRE(m.route);
    BOOST_TEST(m.route->path == "/api/v1/email/{id}");
    BOOST_TEST(m.params["id"] == "01M8FM8Q15AFQ3HAA15AT119B7");
    auto r = t.match("POST", "/api/v1/templates/welcome/render");
    BOOST_REQUIRE(r.route);
    BOOST_TEST(r.route->path == "/api/v1/templates/{name}/render");
    BOOST_TEST(r.params["name"] == "welcome");
    BOOST_TEST(!t.match("PATCH", "/api/v1/email/x").route);
    BOOST_TEST(!t.match("GET", "/api/v1/email").route);
    BOOST_TEST(!t.match("GET", "/api/v1/email/a/b").route);
    BOOST_TEST(!t.match("GET", "/nothing").route);
}

BOOST_AUTO_TEST_CASE(templates_with_suffix_and_literal_beats_parameter) {
    auto t = RouteTable::fromOpenApi(R"(
security: [{bearer: []}]
paths:
  /t/open/{token}.gif:
    get: {security: []}
  /t/{x}:
    get: {}
  /t/stats:
    get: {}
)");
    auto m = t.match("GET", "/t/open/abc.gif");
    BOOST_REQUIRE(m.route);
    BOOST_TEST(m.params["token"] == "abc");
    BOOST_TEST(m.route->isPublic);
    BOOST_TEST(!t.match("GET", "/t/open/.gif").route);  // the parameter is never empty
    BOOST_TEST(!t.match("GET", "/t/open/abc.png").route);
    BOOST_TEST(t.match("GET", "/t/stats").route->path == "/t/stats");
    BOOST_TEST(t.match("GET", "/t/other").route->path == "/t/{x}");
    BOOST_TEST(!t.match("GET", "/t/other").route->isPublic);
}

BOOST_AUTO_TEST_CASE(bad_documents_are_refused) {
    BOOST_CHECK_THROW(RouteTable::fromOpenApi("openapi: 3.0.3\n"), std::runtime_error);
    BOOST_CHECK_THROW(RouteTable::fromOpenApi("paths: {/a: {summary: x}}\n"), std::runtime_error);
    BOOST_CHECK_THROW(RouteTable::fromOpenApi("paths: {/a: {get: {x: [}}\n"), std::exception);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(audit_record)

BOOST_AUTO_TEST_CASE(fields_of_an_api_request) {
    ops::RequestFacts f;
    f.method = "POST";
    f.route = "/api/v1/email/send";
    f.path = "/api/v1/email/send";
    f.ip = "192.0.2.7";
    f.client = "shop";
    f.status = 202;
    f.seconds = 0.0123;
    f.emailIds = {"01ABC"};
    auto j = nlohmann::ordered_json::parse(ops::auditLineOf(1795820000123, f));
    BOOST_TEST(j["ts"] == "2026-11-27T22:53:20.123Z");
    BOOST_TEST(j["source"] == "api");
    BOOST_TEST(j["client"] == "shop");
    BOOST_TEST(j["route"] == "/api/v1/email/send");
    BOOST_TEST(j["status"] == 202);
    BOOST_TEST(j["result"] == "ok");
    BOOST_TEST(j["email_id"] == "01ABC");
    BOOST_TEST(j["ip"] == "192.0.2.7");
    BOOST_TEST(j["duration_ms"] == 12);
    f.emailIds = {"a", "b"};
    f.status = 429;
    f.errorCode = "rate_limited";
    f.client.clear();
    j = nlohmann::ordered_json::parse(ops::auditLineOf(0, f));
    BOOST_TEST(j["email_ids"].size() == 2u);
    BOOST_TEST(!j.contains("email_id"));
    BOOST_TEST(j["result"] == "rate_limited");
    BOOST_TEST(j["client"].is_null());
    f.emailIds.clear();
    f.errorCode.clear();
    j = nlohmann::ordered_json::parse(ops::auditLineOf(0, f));
    BOOST_TEST(j["email_id"].is_null());
    BOOST_TEST(j["result"] == "error");
}

// The gateway writes its lines field by field; v2vctl's go through auditLine().
// Both must read the same to a log reader, byte for byte, whatever the fields hold.
BOOST_AUTO_TEST_CASE(a_line_written_field_by_field_is_what_audit_line_writes) {
    const std::vector<std::string> hostile = {
        "plain", "", "quote\" and \\ backslash", "tab\tnl\ncr\r\x01\x7f", "Grüße 日本",
        "bad utf-8 \xff\xfe end", std::string("nul\0inside", 11)};
    for (std::size_t i = 0; i < hostile.size(); ++i) {
        const std::string& v = hostile[i];
        ops::RequestFacts f;
        f.method = "POST";
        f.route = "/api/v1/email/batch";
        f.path = "/api/v1/email/batch?x=" + v;
        f.ip = v;
        f.client = v;
        f.status = 207;
        f.seconds = 1.5;
        f.emailIds = {v, "01DEF"};
        nlohmann::ordered_json r;  // the same record, as a JSON value
        r["source"] = "api";
        r["ip"] = f.ip;
        r["client"] = f.client.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.client);
        r["method"] = f.method;
        r["route"] = f.route;
        r["path"] = logSafe(f.path, 256);
        r["status"] = f.status;
        r["result"] = "ok";
        r["email_ids"] = f.emailIds;
        r["duration_ms"] = 1500;
        // Named by index: the JUnit report cannot hold the raw control bytes.
        BOOST_TEST(ops::auditLineOf(1795820000123, f) == auditLine(1795820000123, r), "hostile value #" << i);
    }
}

BOOST_AUTO_TEST_CASE(hostile_path_cannot_forge_lines) {
    ops::RequestFacts f;
    f.path = "/api/v1/suppressions/a\r\n{\"forged\":1}";
    f.client = "c\nd";
    auto line = ops::auditLineOf(0, f);
    BOOST_TEST(line.find('\n') == std::string::npos);
    BOOST_TEST(line.find('\r') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_batch_writes_its_lines_together_when_it_ends) {
    test::TempDir d;
    Config cfg;
    cfg.log.audit_file = d.path("audit.log");
    ops::configure(cfg);
    auto lines = [&] {
        std::string s = ops_test::readFile(d.path("audit.log"));
        return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
    };
    ops::beginRequest();
    ops::endRequest("GET", "/api/v1/email/01A", "192.0.2.1", 404, 0.001);
    BOOST_TEST(lines() == 1u);  // no batch: written at once
    {
        ops::AuditBatch outer;
        ops::endRequest("GET", "/api/v1/email/01B", "192.0.2.1", 404, 0.001);
        {
            ops::AuditBatch inner;  // nested: joins the outer batch
            ops::endRequest("GET", "/api/v1/email/01C", "192.0.2.1", 404, 0.001);
        }
        ops::endRequest("GET", "/api/v1/health/live", "192.0.2.1", 200, 0.001);  // public: not audited
        BOOST_TEST(lines() == 1u);
    }
    std::string s = ops_test::readFile(d.path("audit.log"));
    BOOST_TEST(lines() == 3u);
    BOOST_TEST(s.find("01B") < s.find("01C"));  // in the order recorded
    BOOST_TEST(s.find("health") == std::string::npos);
    cfg.log.audit_file.clear();
    ops::configure(cfg);  // later tests: no audit log
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(delivery_cursor)

void event(Db& db, const char* type, const char* client, std::int64_t at = 100) {
    addEvent(db, std::nullopt, std::nullopt, client, type, at);
}

void bounce(Db& db, const char* reason, std::optional<int> hard, const std::string& digest, const char* kind = "bounce") {
    Stmt s = db.prepare(
        "INSERT INTO bounces(recipient, kind, reason, hard, report_digest, received_at) VALUES ('r@x.test', ?, ?, ?, ?, 1)");
    s.bind(1, kind).bind(2, reason).bind(3, hard).bind(4, digest).exec();
}

BOOST_AUTO_TEST_CASE(counts_only_rows_added_since_the_last_poll) {
    ops_test::TempDir d;
    Db db(d.path("t.db"), 1000);
    migrate(db);
    event(db, "delivered", "old");  // before the gateway started: not counted
    DeliveryCursor c;
    BOOST_TEST(c.poll(db).events.empty());
    event(db, "submitted", "shop");
    event(db, "submitted", "shop");
    event(db, "bounced", "shop");
    event(db, "opened", "news");
    bounce(db, "userunknown", 1, "d1");
    bounce(db, "mailboxfull", 0, "d2");
    bounce(db, "", std::nullopt, "d3");
    bounce(db, "", std::nullopt, "d4", "delivery");  // not a bounce
    DeliveryDelta delta = c.poll(db);
    BOOST_TEST((delta.events[{"submitted", "shop"}]) == 2);
    BOOST_TEST((delta.events[{"bounced", "shop"}]) == 1);
    BOOST_TEST((delta.events[{"opened", "news"}]) == 1);
    BOOST_TEST(delta.events.count({"delivered", "old"}) == 0u);
    BOOST_TEST((delta.bounces[{"userunknown", "hard"}]) == 1);
    BOOST_TEST((delta.bounces[{"mailboxfull", "soft"}]) == 1);
    BOOST_TEST((delta.bounces[{"", "unknown"}]) == 1);
    BOOST_TEST(delta.bounces.size() == 3u);
    BOOST_TEST(c.poll(db).events.empty());  // nothing new
}

BOOST_AUTO_TEST_CASE(restarts_from_zero_when_the_table_shrank) {
    ops_test::TempDir d;
    Db db(d.path("t.db"), 1000);
    migrate(db);
    for (int i = 0; i < 5; ++i) event(db, "submitted", "shop");
    DeliveryCursor c;
    c.poll(db);
    db.execScript("DELETE FROM events");  // pruned: ids start again at 1
    event(db, "delivered", "shop");
    auto delta = c.poll(db);
    BOOST_TEST((delta.events[{"delivered", "shop"}]) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
