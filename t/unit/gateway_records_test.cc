// Template store, suppression list, email read model, rendering a stored
// template into a send, batch bodies and API values: on a real temporary
// SQLite database (migrated schema), no HTTP.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "api_values.h"
#include "batch_service.h"
#include "clients.h"
#include "email_read.h"
#include "email_store.h"
#include "json_body.h"
#include "send_request.h"
#include "records.h"
#include "suppression_store.h"
#include "template_service.h"
#include "template_store.h"
#include "temp_db.h"

using namespace v2v;
using namespace v2v::gw;
using nlohmann::json;

namespace {

struct Fixture : v2v::test::TestDb {
    Fixture() : TestDb({"alice", "bob"}) {}
};

TemplateSource src(const std::string& subject, const std::string& text) { return {subject, text, std::nullopt}; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(template_store, Fixture)

BOOST_AUTO_TEST_CASE(every_save_is_a_new_version) {
    auto first = saveTemplate(*db, "alice", "welcome", src("v1", "one"), true, 100);
    BOOST_REQUIRE(first);
    BOOST_TEST(first->version == 1);
    BOOST_TEST(first->created);
    // create-only refuses an existing name and saves nothing
    BOOST_TEST(!saveTemplate(*db, "alice", "welcome", src("x", "x"), true, 101));
    auto second = saveTemplate(*db, "alice", "welcome", src("v2", "two"), false, 102);
    BOOST_TEST(second->version == 2);
    BOOST_TEST(!second->created);
    BOOST_TEST(saveTemplate(*db, "alice", "welcome", src("v2", "two"), false, 103)->version == 3);  // same content too

    auto latest = loadTemplate(*db, "alice", "welcome");
    BOOST_REQUIRE(latest);
    BOOST_TEST(latest->version == 3);
    auto v1 = loadTemplate(*db, "alice", "welcome", 1);
    BOOST_REQUIRE(v1);
    BOOST_TEST(v1->source.subject == "v1");
    BOOST_TEST(*v1->source.text == "one");
    BOOST_TEST(!v1->source.html);
    BOOST_TEST(v1->created_at == 100);
    BOOST_TEST(!loadTemplate(*db, "alice", "welcome", 4));
    // another client sees nothing of it and has its own numbering
    BOOST_TEST(!loadTemplate(*db, "bob", "welcome"));
    BOOST_TEST(saveTemplate(*db, "bob", "welcome", src("b", "b"), true, 104)->version == 1);
}

BOOST_AUTO_TEST_CASE(delete_hides_all_versions_and_numbering_continues) {
    saveTemplate(*db, "alice", "t", src("1", "1"), true, 1);
    saveTemplate(*db, "alice", "t", src("2", "2"), false, 2);
    BOOST_TEST(deleteTemplate(*db, "alice", "t"));
    BOOST_TEST(!deleteTemplate(*db, "alice", "t"));
    BOOST_TEST(!loadTemplate(*db, "alice", "t"));
    BOOST_TEST(!loadTemplate(*db, "alice", "t", 1));
    // a new life of the name never reuses a number an email may have recorded
    auto again = saveTemplate(*db, "alice", "t", src("3", "3"), true, 3);
    BOOST_REQUIRE(again);
    BOOST_TEST(again->version == 3);
    BOOST_TEST(again->created);
    BOOST_TEST(!loadTemplate(*db, "alice", "t", 2));
    BOOST_TEST(loadTemplate(*db, "alice", "t")->source.subject == "3");
}

BOOST_AUTO_TEST_CASE(list_pages_by_name_with_latest_version) {
    for (const char* n : {"c", "a", "b", "d"}) saveTemplate(*db, "alice", n, src(n, "t"), true, 10);
    saveTemplate(*db, "alice", "b", src("b2", "t"), false, 20);
    deleteTemplate(*db, "alice", "d");
    saveTemplate(*db, "bob", "zzz", src("z", "t"), true, 10);
    auto page1 = listTemplates(*db, "alice", "", 2);
    BOOST_REQUIRE(page1.size() == 2u);
    BOOST_TEST(page1[0].name == "a");
    BOOST_TEST(page1[1].name == "b");
    BOOST_TEST(page1[1].version == 2);
    BOOST_TEST(page1[1].subject == "b2");
    BOOST_TEST(page1[1].updated_at == 20);
    auto page2 = listTemplates(*db, "alice", page1.back().name, 2);
    BOOST_REQUIRE(page2.size() == 1u);
    BOOST_TEST(page2[0].name == "c");
}

BOOST_AUTO_TEST_CASE(names_are_url_safe) {
    BOOST_TEST(validTemplateName("order-shipped_v2.en"));
    BOOST_TEST(validTemplateName(std::string(128, 'a')));
    for (const std::string& bad : std::vector<std::string>{"", "a b", "a/b", "a%2F", "é", "a?b", ".", "..", "-x", std::string(129, 'a')})
        BOOST_TEST(!validTemplateName(bad), bad);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(template_send, Fixture)

BOOST_AUTO_TEST_CASE(render_for_send_uses_the_stored_template) {
    TemplateSource t{"Order {{id}}", "Hi {{name}}", "<b>{{name}}</b>"};
    saveTemplate(*db, "alice", "order", t, true, 1);
    saveTemplate(*db, "alice", "order", TemplateSource{"Order #{{id}}", "v2 {{name}}", std::nullopt}, false, 2);
    SendRequest req;
    req.template_name = "order";
    req.variables_json = R"({"id":7,"name":"<Ann>"})";
    auto r = renderForSend(*db, "alice", req);
    BOOST_REQUIRE(std::holds_alternative<SendRequest>(r));
    const SendRequest& s = std::get<SendRequest>(r);
    BOOST_TEST(s.subject == "Order #7");
    BOOST_TEST(*s.text == "v2 <Ann>");
    BOOST_TEST(!s.html);
    BOOST_TEST(*s.template_version == 2);

    req.template_version = 1;
    auto r1 = renderForSend(*db, "alice", req);
    const SendRequest& s1 = std::get<SendRequest>(r1);
    BOOST_TEST(*s1.html == "<b>&lt;Ann&gt;</b>");
    BOOST_TEST(*s1.template_version == 1);

    req.template_version = 9;
    BOOST_TEST(std::get<ApiError>(renderForSend(*db, "alice", req)).field == "template_version");
    req.template_version.reset();
    BOOST_TEST(std::get<ApiError>(renderForSend(*db, "bob", req)).field == "template");  // not bob's
    req.template_name = "../etc";
    BOOST_TEST(std::get<ApiError>(renderForSend(*db, "alice", req)).field == "template");

    req.template_name = "order";
    req.variables_json = R"({"id":7})";
    req.template_strict = true;
    ApiError e = std::get<ApiError>(renderForSend(*db, "alice", req));
    BOOST_TEST(e.code == "missing_variables");
    BOOST_TEST(e.message == "missing variables: name");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(suppression_store, Fixture)

BOOST_AUTO_TEST_CASE(keys_are_normalised_like_the_send_path) {
    BOOST_TEST(*suppressionKey("User.Name+tag@Example.TEST") == "user.name+tag@example.test");
    BOOST_TEST(*suppressionKey("a@bücher.example") == "a@xn--bcher-kva.example");
    for (const char* bad : {"", "no-at", "a@", "@b.test", "a b@c.test", "a@b.test\r\nX: y"})
        BOOST_TEST(!suppressionKey(bad), bad);
    BOOST_TEST(!suppressionKey(std::string(400, 'a') + "@b.test"));
}

BOOST_AUTO_TEST_CASE(get_list_remove_per_client) {
    {
        Transaction tx(*db);
        addSuppression(*db, "alice", "B@x.test", "hard_bounce", std::string("01HZZ"), 50);
        addSuppression(*db, "alice", "a@x.test", "manual", std::nullopt, 60);
        addSuppression(*db, "alice", "c@x.test", "complaint", std::nullopt, 70);
        addSuppression(*db, "bob", "a@x.test", "manual", std::nullopt, 80);
        tx.commit();
    }
    auto b = getSuppression(*db, "alice", *suppressionKey("b@X.test"));
    BOOST_REQUIRE(b);
    BOOST_TEST(b->reason == "hard_bounce");
    BOOST_TEST(*b->source_email_id == "01HZZ");
    json j = suppressionJson(*b);
    BOOST_TEST(j["email"] == "b@x.test");
    BOOST_TEST(j["created_at"] == "1970-01-01T00:00:50Z");

    auto p1 = listSuppressions(*db, "alice", "", 2);
    BOOST_REQUIRE(p1.size() == 2u);
    BOOST_TEST(p1[0].address == "a@x.test");
    BOOST_TEST(p1[1].address == "b@x.test");
    auto p2 = listSuppressions(*db, "alice", p1[1].address, 2);
    BOOST_REQUIRE(p2.size() == 1u);
    BOOST_TEST(p2[0].address == "c@x.test");

    BOOST_TEST(removeSuppression(*db, "alice", "a@x.test"));
    BOOST_TEST(!removeSuppression(*db, "alice", "a@x.test"));
    BOOST_TEST(!isSuppressed(*db, "alice", "a@x.test"));
    BOOST_TEST(isSuppressed(*db, "bob", "a@x.test"));  // bob's own entry is untouched
    BOOST_TEST(clientSettableReason("manual"));
    BOOST_TEST(clientSettableReason("unsubscribed"));
    BOOST_TEST(!clientSettableReason("hard_bounce"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(email_read, Fixture)

BOOST_AUTO_TEST_CASE(an_email_with_recipients_events_and_a_bounce) {
    NewEmail e;
    e.id = "01J0000000000000000000000A";
    e.client_id = "alice";
    e.message_id = e.id + "@example.test";
    e.from_address = "a@example.test";
    e.subject = "Hello";
    e.status = "queued";
    e.template_name = "welcome";
    e.template_version = 3;
    e.tags_json = R"(["t1"])";
    e.metadata_json = R"({"user":42})";
    e.mime = "Subject: Hello\r\n\r\nbody\r\n";
    e.recipients = {{"x@remote.test", "to", "queued"}, {"s@remote.test", "bcc", "suppressed"}};
    {
        Transaction tx(*db);
        insertEmail(*db, e, 1000);
        tx.commit();
    }
    recordOutcome(*db, e.id, "alice", 0, Outcome::submitted, 250, "2.0.0", "250 2.0.0 Ok: queued as X", 1);
    const std::int64_t later = nowSeconds() + 10;  // after the submitted event
    {
        Transaction tx(*db);
        RecipientUpdate u;
        u.status = "bounced";
        u.smtp_status = "5.1.1";
        u.bounce_reason = "userunknown";
        updateRecipient(*db, e.id, 0, u);
        db->prepare("INSERT INTO bounces(email_id, recipient_idx, recipient, kind, reason, hard, status, smtp_code, "
                    "diagnostic, report_digest, received_at) VALUES (?,0,'x@remote.test','bounce','userunknown',1,"
                    "'5.1.1',550,'550 5.1.1 no such user','d1',?)")
            .bind(1, e.id).bind(2, later).exec();
        addEvent(*db, e.id, 0, "alice", "bounced", later, R"({"reason":"userunknown"})");
        refreshEmailStatus(*db, e.id);
        tx.commit();
    }
    auto got = readEmail(*db, "alice", e.id);
    BOOST_REQUIRE(got);
    json& j = *got;
    BOOST_TEST(j["id"] == e.id);
    BOOST_TEST(j["message_id"] == e.message_id);
    BOOST_TEST(j["status"] == "bounced");
    BOOST_TEST(j["template"]["name"] == "welcome");
    BOOST_TEST(j["template"]["version"] == 3);
    BOOST_TEST(j["tags"] == json::parse(R"(["t1"])"));
    BOOST_TEST(j["metadata"]["user"] == 42);
    BOOST_TEST(j["created_at"] == "1970-01-01T00:16:40Z");
    BOOST_TEST(j["send_at"].is_null());
    BOOST_REQUIRE(j["recipients"].size() == 2u);
    json& r0 = j["recipients"][0];
    BOOST_TEST(r0["email"] == "x@remote.test");
    BOOST_TEST(r0["status"] == "bounced");
    BOOST_TEST(r0["smtp_code"] == 250);
    BOOST_TEST(r0["smtp_status"] == "5.1.1");
    BOOST_TEST(r0["bounce_reason"] == "userunknown");
    BOOST_TEST(r0["bounce"]["hard"] == true);
    BOOST_TEST(r0["bounce"]["diagnostic"] == "550 5.1.1 no such user");
    BOOST_TEST(j["recipients"][1]["kind"] == "bcc");
    BOOST_TEST(j["recipients"][1]["status"] == "suppressed");
    BOOST_TEST(j["recipients"][1]["bounce"].is_null());
    std::vector<std::string> types;
    for (const auto& ev : j["events"]) types.push_back(ev["type"]);
    std::vector<std::string> want{"suppressed", "submitted", "bounced"};
    BOOST_TEST(types == want, boost::test_tools::per_element());
    BOOST_TEST(j["events"][0]["recipient"] == "s@remote.test");
    BOOST_TEST(j["events"][2]["data"]["reason"] == "userunknown");
    BOOST_TEST(j["events_truncated"] == false);

    BOOST_TEST(!readEmail(*db, "bob", e.id));  // another client's email does not exist for bob
    BOOST_TEST(!readEmail(*db, "alice", "nope"));
    auto capped = readEmail(*db, "alice", e.id, 2);
    BOOST_TEST((*capped)["events"].size() == 2u);
    BOOST_TEST((*capped)["events_truncated"] == true);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batch_and_values)

BOOST_AUTO_TEST_CASE(batch_bodies) {
    auto ok = parseBatchBody(R"({"messages":[{"a":1},2]})");
    BOOST_REQUIRE(std::holds_alternative<std::vector<json>>(ok));
    BOOST_TEST(std::get<std::vector<json>>(ok).size() == 2u);
    auto error = [](const std::string& body, std::size_t max = kMaxBatchMessages) {
        auto r = parseBatchBody(body, max);
        BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiError>(r), body);
        return std::get<ApiError>(r);
    };
    BOOST_TEST(error("{").status == 400);
    BOOST_TEST(error("[]").status == 400);
    BOOST_TEST(error("{}").field == "messages");
    BOOST_TEST(error(R"({"messages":{}})").field == "messages");
    BOOST_TEST(error(R"({"messages":[]})").status == 422);
    BOOST_TEST(error(R"({"messages":[{}],"x":1})").field == "x");
    ApiError big = error(R"({"messages":[1,2,3]})", 2);
    BOOST_TEST(big.status == 413);
    BOOST_TEST(big.code == "too_many_messages");
}

BOOST_AUTO_TEST_CASE(batch_errors_name_the_message) {
    json r = batchErrorResult(3, invalidField("to[1]", "bad"));
    BOOST_TEST(r["index"] == 3);
    BOOST_TEST(r["http_status"] == 422);
    BOOST_TEST(r["error"]["field"] == "messages[3].to[1]");
    json whole = batchErrorResult(0, ApiError{413, "message_too_large", "big", ""});
    BOOST_TEST(whole["error"]["field"] == "messages[0]");
    BOOST_TEST(whole["http_status"] == 413);
    json notObject = batchErrorResult(1, ApiError{400, "malformed", "the body must be a JSON object", ""});
    BOOST_TEST(notObject["http_status"] == 422);
    BOOST_TEST(notObject["error"]["field"] == "messages[1]");
}

BOOST_AUTO_TEST_CASE(cursors_limits_times_and_escapes) {
    for (const std::string& key : std::vector<std::string>{"a", "user+tag@example.test", "z/?&=#%", std::string(300, 'x')}) {
        std::string c = encodeCursor(key);
        BOOST_TEST(c.find_first_of("+/=&?#%") == std::string::npos, c);
        BOOST_TEST(*decodeCursor(c) == key);
    }
    for (const char* bad : {"", "!!", "a+b", "YQ=="}) BOOST_TEST(!decodeCursor(bad), bad);
    BOOST_TEST(std::get<int>(parseLimit(std::nullopt, 100, 1000)) == 100);
    BOOST_TEST(std::get<int>(parseLimit(std::string("1000"), 100, 1000)) == 1000);
    for (const char* bad : {"0", "1001", "-1", "1e3", "", "12345678901", "5 "})
        BOOST_TEST(std::get<ApiError>(parseLimit(std::string(bad), 100, 1000)).field == "limit", bad);
    BOOST_TEST(formatRfc3339(0) == "1970-01-01T00:00:00Z");
    BOOST_TEST(formatRfc3339(1800000000) == "2027-01-15T08:00:00Z");
    BOOST_TEST(*percentDecode("a%2Bb%40x.test") == "a+b@x.test");
    BOOST_TEST(*percentDecode("plain") == "plain");
    for (const char* bad : {"%", "%4", "%zz", "a%00b"}) BOOST_TEST(!percentDecode(bad), bad);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_bodies)

BOOST_AUTO_TEST_CASE(depth_is_bounded_without_recursion) {
    BOOST_TEST(jsonDepthWithin(json::parse("1"), 0));
    BOOST_TEST(jsonDepthWithin(json::parse("[]"), 0));
    BOOST_TEST(!jsonDepthWithin(json::parse("[1]"), 0));
    BOOST_TEST(jsonDepthWithin(json::parse(R"({"a":[{"b":[]}]})"), 3));
    BOOST_TEST(!jsonDepthWithin(json::parse(R"({"a":[{"b":[1]}]})"), 3));
    // A million levels: dump() or a copy of this would overflow the stack.
    const std::size_t n = 1000000;
    std::string deep = "{\"variables\":{\"v\":" + std::string(n, '[') + std::string(n, ']') + "}}";
    BOOST_TEST(!jsonDepthWithin(json::parse(deep)));
    auto body = parseBodyObject(deep, "{}");
    BOOST_REQUIRE(std::holds_alternative<ApiError>(body));
    BOOST_TEST(std::get<ApiError>(body).status == 400);
    BOOST_TEST(std::get<ApiError>(body).message.find("deeper") != std::string::npos);
    BOOST_TEST(std::get<ApiError>(parseRenderBody(deep)).status == 400);
    BOOST_TEST(std::get<ApiError>(parseTemplateBody(deep, "")).status == 400);
    std::string send = "{\"from\":\"a@example.test\",\"to\":[\"b@x.test\"],\"template\":\"t\",\"variables\":{\"v\":" +
                       std::string(n, '[') + std::string(n, ']') + "},\"metadata\":{}}";
    BOOST_TEST(std::get<ApiError>(parseSendRequest(send, {}, 1800000000)).status == 400);
    std::string batch = "{\"messages\":[" + send + "]}";
    BOOST_TEST(std::get<ApiError>(parseBatchBody(batch)).status == 400);
    std::string meta = "{\"from\":\"a@example.test\",\"to\":[\"b@x.test\"],\"subject\":\"s\",\"text\":\"t\","
                       "\"metadata\":{\"m\":" + std::string(n, '[') + std::string(n, ']') + "}}";
    BOOST_TEST(std::get<ApiError>(parseSendRequest(meta, {}, 1800000000)).status == 400);
    BOOST_TEST(parseBodyObject("{\"a\":" + std::string(60, '[') + std::string(60, ']') + "}", "{}").index() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
