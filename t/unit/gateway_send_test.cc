// Send request validation: addresses, header injection, reserved headers, limits.
#include <boost/test/unit_test.hpp>

#include "rate_limit.h"
#include "send_request.h"

using namespace v2v;
using namespace v2v::gw;

namespace {
const std::int64_t kNow = 1800000000;
ApiError err(const std::string& body, SendLimits lim = {}) {
    auto r = parseSendRequest(body, lim, kNow);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiError>(r), "expected an error for " + body);
    return std::get<ApiError>(r);
}
SendRequest ok(const std::string& body) {
    auto r = parseSendRequest(body, {}, kNow);
    if (auto* e = std::get_if<ApiError>(&r)) BOOST_FAIL(e->field + ": " + e->message);
    return std::get<SendRequest>(r);
}
const std::string kBase = R"("from":"Alice <a@example.test>","subject":"s","text":"t")";
}  // namespace

BOOST_AUTO_TEST_CASE(minimal_and_full) {
    SendRequest r = ok("{" + kBase + R"(,"to":["b@x.test", {"email":"c@x.test","name":"Smith, \"C\""}]})");
    BOOST_TEST(r.from.name == "Alice");
    BOOST_TEST(r.from.email == "a@example.test");
    BOOST_REQUIRE(r.to.size() == 2u);
    BOOST_TEST(r.to[1].name == "Smith, \"C\"");
    auto rc = r.recipients();
    BOOST_TEST(rc.size() == 2u);
    SendRequest q = ok("{" + kBase + R"(,"to":"\"Doe, John\" <J@Example.TEST>","cc":["c@x.test"],"bcc":["d@x.test"],
        "tags":["welcome","a:b"],"metadata":{"user":42},"headers":{"X-Campaign":"fall"},"track_opens":true,
        "send_at":"2027-01-15T10:00:00+01:00"})");
    BOOST_TEST(q.to[0].name == "Doe, John");
    BOOST_TEST(q.to[0].email == "J@example.test");
    BOOST_TEST(q.recipients().size() == 3u);
    BOOST_TEST(q.recipients()[2].kind == "bcc");
    BOOST_TEST(q.tags.size() == 2u);
    BOOST_TEST(q.metadata_json == R"({"user":42})");
    BOOST_TEST(*q.track_opens);
    BOOST_TEST(*q.send_at == 1800000000 + (1800000000 > 0 ? 0 : 0) + (*parseRfc3339("2027-01-15T09:00:00Z") - 1800000000));
}

BOOST_AUTO_TEST_CASE(idn_domain_to_punycode) {
    SendRequest r = ok("{" + kBase + R"(,"to":["user@bücher.example"]})");
    BOOST_TEST(r.to[0].email == "user@xn--bcher-kva.example");
}

BOOST_AUTO_TEST_CASE(malformed_json_is_400) {
    BOOST_TEST(err("{not json").status == 400);
    BOOST_TEST(err("[1,2]").status == 400);
}

BOOST_AUTO_TEST_CASE(header_injection_everywhere) {
    auto e = err(R"({"from":"a@example.test","to":["b@x.test"],"subject":"hi\r\nBcc: victim@x.test","text":"t"})");
    BOOST_TEST(e.status == 422);
    BOOST_TEST(e.field == "subject");
    e = err("{" + kBase + R"(,"to":["b@x.test\r\nBcc: v@x.test"]})");
    BOOST_TEST(e.field == "to[0]");
    e = err("{" + kBase + R"(,"to":[{"email":"b@x.test","name":"B\nBcc: v@x.test"}]})");
    BOOST_TEST(e.field == "to[0].name");
    e = err("{" + kBase + R"(,"to":["b@x.test"],"headers":{"X-Evil":"a\r\nBcc: v@x.test"}})");
    BOOST_TEST(e.field == "headers.X-Evil");
    e = err("{" + kBase + R"(,"to":["b@x.test"],"headers":{"X-Evil\r\nBcc":"v"}})");
    BOOST_TEST(e.field.find("headers.") == 0u);
    e = err("{" + kBase + R"(,"to":["b@x.test"],"attachments":[{"filename":"a\r\n.txt","content":"QQ=="}]})");
    BOOST_TEST(e.field == "attachments[0].filename");
}

BOOST_AUTO_TEST_CASE(reserved_headers_refused) {
    for (const char* h : {"From", "to", "CC", "Bcc", "Date", "Message-ID", "Content-Type", "MIME-Version",
                          "DKIM-Signature", "Return-Path", "Received", "X-V2V-Track"}) {
        auto e = err("{" + kBase + R"(,"to":["b@x.test"],"headers":{")" + h + R"(":"x"}})");
        BOOST_TEST(e.field == std::string("headers.") + h);
        BOOST_TEST(e.message.find("reserved") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(addresses_validated) {
    for (const char* a : {"noat", "a@b", "a..b@x.test", ".a@x.test", "a@-x.test", "a@x_y.test", "a b@x.test",
                          "<a@x.test", "a@x.test>", "\\\"quoted\\\"@x.test"})
        BOOST_TEST(err("{" + kBase + R"(,"to":[")" + std::string(a) + R"("]})").field == "to[0]", a);
    BOOST_TEST(err("{" + kBase + R"(,"to":[]})").field == "to");
    BOOST_TEST(err(R"({"to":["b@x.test"],"subject":"s","text":"t"})").field == "from");
}

BOOST_AUTO_TEST_CASE(limits_are_413) {
    SendLimits lim;
    lim.max_recipients = 2;
    auto e = err("{" + kBase + R"(,"to":["a@x.test","b@x.test","c@x.test"]})", lim);
    BOOST_TEST(e.status == 413);
    BOOST_TEST(e.code == "too_many_recipients");
}

BOOST_AUTO_TEST_CASE(fields_checked) {
    BOOST_TEST(err("{" + kBase + R"(,"to":["b@x.test"],"surprise":1})").field == "surprise");
    BOOST_TEST(err(R"({"from":"a@x.test","to":["b@x.test"],"subject":"s"})").field == "text");
    BOOST_TEST(err("{" + kBase + R"(,"to":["b@x.test"],"send_at":"tomorrow"})").field == "send_at");
    BOOST_TEST(err("{" + kBase + R"(,"to":["b@x.test"],"send_at":"2030-02-30T00:00:00Z"})").field == "send_at");
    BOOST_TEST(err("{" + kBase + R"(,"to":["b@x.test"],"track_opens":"yes"})").field == "track_opens");
    BOOST_TEST(err("{" + kBase + R"(,"to":["b@x.test"],"tags":["bad tag"]})").field == "tags[0]");
    BOOST_TEST(err("{" + kBase + R"(,"to":["b@x.test"],"attachments":[{"filename":"a","content":"@@@"}]})").field ==
               "attachments[0].content");
    BOOST_TEST(err(R"({"from":"a@x.test","to":["b@x.test"],"subject":"s","text":"\u00ff\ud800"})").status == 400);
}

BOOST_AUTO_TEST_CASE(rfc3339) {
    BOOST_TEST(*parseRfc3339("1970-01-01T00:00:00Z") == 0);
    BOOST_TEST(*parseRfc3339("2026-11-27T10:00:00.123+02:00") == *parseRfc3339("2026-11-27T08:00:00Z"));
    BOOST_CHECK(!parseRfc3339("2026-11-27 10:00"));
    BOOST_CHECK(!parseRfc3339("2026-13-01T00:00:00Z"));
}

// Checks go to Redis as one script call per client and run of equal limits,
// each client's checks in their order, even when its limit changed mid-batch.
BOOST_AUTO_TEST_CASE(bucket_calls_keep_each_clients_order) {
    using Calls = std::vector<std::vector<std::size_t>>;
    BOOST_TEST(bucketCalls({}).empty());
    std::vector<RateCheck> checks{{"a", 1, 10, 1}, {"b", 1, 10, 1}, {"a", 1, 10, 5}, {"b", 1, 10, 1}};
    BOOST_TEST((bucketCalls(checks) == Calls{{0, 2}, {1, 3}}));
    // a: old limit, new limit, old limit again, then old once more
    checks = {{"a", 1, 10, 1}, {"a", 2, 10, 1}, {"a", 1, 10, 1}, {"b", 1, 10, 1}, {"a", 1, 10, 1}, {"a", 1, 20, 1}};
    BOOST_TEST((bucketCalls(checks) == Calls{{0}, {1}, {2, 4}, {3}, {5}}));
}

// A client found out of tokens is refused on the HTTP thread until its bucket
// could hold one token again (capped at a second), with the headers Redis's
// answer would give; a changed rate or burst, or a batch, is not served from it.
BOOST_AUTO_TEST_CASE(refusal_cache_refuses_until_a_token_could_be_there) {
    using namespace std::chrono_literals;
    RefusalCache cache;
    const auto t0 = RefusalCache::Clock::now();
    RateCheck c{"c1", 2.0, 10, 1};  // 2 tokens/s: a token takes 500 ms
    RateDecision refused;
    refused.allowed = false;
    refused.tokens = 0.25;  // 375 ms until one token
    BOOST_TEST(!cache.check(c, t0));
    cache.refused(c, refused, t0);
    auto d = cache.check(c, t0 + 100ms);
    BOOST_REQUIRE(d);
    BOOST_TEST(!d->allowed);
    BOOST_TEST(d->limit == 10);
    BOOST_TEST(d->remaining == 0);
    BOOST_TEST(d->retry_after == 1);
    BOOST_TEST(d->reset == 5);  // (10 - 0.45) / 2, rounded up
    BOOST_TEST(!cache.check(c, t0 + 375ms));  // a token may be there: ask Redis
    BOOST_TEST(!cache.check(RateCheck{"c2", 2.0, 10, 1}, t0 + 100ms));  // another client
    BOOST_TEST(!cache.check(RateCheck{"c1", 4.0, 10, 1}, t0 + 100ms));  // the limit changed
    BOOST_TEST(!cache.check(RateCheck{"c1", 2.0, 10, 5}, t0 + 100ms));  // a batch's cost

    RateCheck slow{"c3", 0.01, 1, 1};  // a token every 100 s: the window is capped
    cache.refused(slow, refused, t0);
    BOOST_TEST(cache.check(slow, t0 + 900ms).has_value());
    BOOST_TEST(!cache.check(slow, t0 + RefusalCache::kMaxWindow));

    RateDecision allowed;  // an allowed check records nothing
    allowed.tokens = 0.5;
    cache.refused(RateCheck{"c4", 1.0, 1, 1}, allowed, t0);
    BOOST_TEST(!cache.check(RateCheck{"c4", 1.0, 1, 1}, t0));
}
