// SMTP reply parsing, EHLO keywords, xtext, dot-stuffing.
#include <boost/test/unit_test.hpp>

#include "injector.h"
#include "smtp_protocol.h"

using namespace v2v::gw;

BOOST_AUTO_TEST_CASE(single_and_multiline_replies) {
    ReplyParser p;
    auto r = p.feed("250 2.0.0 Ok: queued as ABC");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->code == 250);
    BOOST_TEST(r->enhanced == "2.0.0");
    BOOST_TEST(r->text == "Ok: queued as ABC");
    BOOST_CHECK(!p.feed("550-5.1.1 first"));
    r = p.feed("550 5.1.1 second");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->permanent());
    BOOST_TEST(r->text == "first / second");
    r = p.feed("421 Service not available");
    BOOST_TEST(r->transient());
    BOOST_TEST(r->enhanced == "");
    BOOST_TEST(p.feed("354")->code == 354);
}

BOOST_AUTO_TEST_CASE(malformed_replies_throw) {
    ReplyParser p;
    BOOST_CHECK_THROW(p.feed("hello"), std::runtime_error);
    BOOST_CHECK_THROW(p.feed("25"), std::runtime_error);
    BOOST_CHECK_THROW(p.feed("250x"), std::runtime_error);
    ReplyParser q;
    BOOST_CHECK(!q.feed("250-a"));
    BOOST_CHECK_THROW(q.feed("550 b"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(ehlo_keywords) {
    ReplyParser p;
    for (const char* l : {"250-mta.example", "250-PIPELINING", "250-SIZE 10240000", "250-dsn"})
        BOOST_CHECK(!p.feed(l));
    auto r = p.feed("250 8BITMIME");
    auto k = ehloKeywords(*r);
    BOOST_TEST(k.count("PIPELINING") == 1u);
    BOOST_TEST(k.count("DSN") == 1u);
    BOOST_TEST(k.count("SIZE") == 1u);
    BOOST_TEST(k.count("MTA.EXAMPLE") == 0u);
}

BOOST_AUTO_TEST_CASE(xtext_encoding) {
    BOOST_TEST(xtext("a+b=c@x.test") == "a+2Bb+3Dc@x.test");
    BOOST_TEST(xtext("plain") == "plain");
    BOOST_TEST(xtext(std::string("sp ace\x01")) == "sp+20ace+01");
}

BOOST_AUTO_TEST_CASE(dot_stuffing) {
    BOOST_TEST(dotStuff("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n.\r\n");
    BOOST_TEST(dotStuff(".x") == "..x\r\n.\r\n");
    BOOST_TEST(dotStuff("a\nb") == "a\r\nb\r\n.\r\n");        // bare LF → CRLF
    BOOST_TEST(dotStuff("a\rb\r\n") == "a\r\nb\r\n.\r\n");    // bare CR → CRLF
    BOOST_TEST(dotStuff("") == "\r\n.\r\n");
}

BOOST_AUTO_TEST_CASE(retry_backoff) {
    BOOST_TEST(retryDelaySeconds(30, 1, 0.5) == 30);
    BOOST_TEST(retryDelaySeconds(30, 2, 0.5) == 60);
    BOOST_TEST(retryDelaySeconds(30, 3, 0.0) == 90);   // 120 * 0.75
    BOOST_TEST(retryDelaySeconds(30, 3, 0.999) == 149);  // 120 * 1.2495
    BOOST_TEST(retryDelaySeconds(30, 40, 0.5) == 6 * 3600);  // capped
    BOOST_TEST(retryDelaySeconds(1, 1, 0.0) >= 1);
}
