// Tracking rewrite: transfer-encoding codecs, the URL rules, the HTML and text
// scanners, the X-V2V-Track header, and whole messages through a Session
// (rewritten body + List-Unsubscribe still carry valid DKIM signatures;
// inbound mail, untrusted or uncorrelated mail is never rewritten).
#include <boost/test/unit_test.hpp>

#include <random>

#include "dkim_lib.h"
#include "dkim_verify.h"
#include "milter_tracking_fixtures.h"
#include "tracking_html.h"
#include "tracking_token.h"
#include "transfer_encoding.h"

using namespace milter_test;

namespace {

// A policy whose click URLs are "C[<url>]" so the tests see what was signed.
LinkPolicy policy(bool clicks = true, bool opens = true) {
    LinkPolicy p;
    p.trackingPrefix = "https://t.example.test/api/v1/tracking/";
    p.excludedDomains = {"noclick.example"};
    p.keepUrls = {"https://shop.example/unsub?u=1"};
    p.clicks = clicks;
    p.opens = opens;
    p.pixelUrl = "https://t.example.test/api/v1/tracking/open/P.gif";
    p.wrap = [](const std::string& u) { return "C[" + u + "]"; };
    return p;
}

std::string html(const std::string& s, bool opens = false) { return rewriteHtml(s, policy(true, opens)).text; }

std::vector<DkimResult> verify(const Runtime& r, const Message& m) {
    DkimVerifier v(*r.dkim, "check");
    v.headers(m.headers);
    v.body(m.body);
    return v.finish();
}

std::optional<std::string> header(const Message& m, const std::string& name) { return headerValue(m.headers, name); }

const char* kHtmlMail =
    "X-V2V-Email-Id: 01HV5ZK6Q8R3G2F7XW9Y0ABCDE\n"
    "X-V2V-Track: opens,clicks,unsubscribe\n"
    "From: Shop <news@example.test>\n"
    "To: bob@remote.test\n"
    "Subject: Sale\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\n"
    "Message-ID: <01HV5ZK6Q8R3G2F7XW9Y0ABCDE@example.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/html; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "<html><body><p>Caf\xc3\xa9 <a href=\"https://shop.example/sale?a=1&amp;b=2\">sale</a></p></body></html>\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(milter_tracking)

BOOST_AUTO_TEST_CASE(quoted_printable_round_trip_and_line_length) {
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::string in;
        int n = static_cast<int>(rng() % 600);
        for (int i = 0; i < n; ++i) {
            unsigned r = rng() % 10;
            in.push_back(r < 6 ? static_cast<char>('a' + rng() % 26) : r == 6 ? ' ' : r == 7 ? '=' : r == 8 ? '\n'
                                                                                   : static_cast<char>(rng() % 256));
        }
        std::string enc = encodeQuotedPrintable(in);
        for (unsigned char c : enc) BOOST_REQUIRE(c < 128 && (c >= 32 || c == '\r' || c == '\n' || c == '\t'));
        std::size_t lineStart = 0;
        for (std::size_t i = 0; i <= enc.size(); ++i)
            if (i == enc.size() || enc[i] == '\r') {
                BOOST_REQUIRE_LE(i - lineStart, 76u);
                lineStart = i + 2;
            }
        auto dec = decodeQuotedPrintable(enc);
        BOOST_REQUIRE(dec);
        // A bare LF becomes CRLF; otherwise the bytes come back.
        std::string want;
        for (std::size_t i = 0; i < in.size(); ++i) {
            if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) want += "\r\n";
            else want.push_back(in[i]);
        }
        BOOST_REQUIRE(*dec == want);
    }
}

BOOST_AUTO_TEST_CASE(quoted_printable_details) {
    BOOST_TEST(encodeQuotedPrintable("a b \r\nc\t\r\n") == "a b=20\r\nc=09\r\n");  // whitespace at line end
    BOOST_TEST(encodeQuotedPrintable("x=y\xe9") == "x=3Dy=E9");
    BOOST_TEST(*decodeQuotedPrintable("soft=\r\nbreak=  \r\nand=3d=3D") == "softbreakand==");
    BOOST_TEST(*decodeQuotedPrintable("end=") == "end");
    BOOST_CHECK(!decodeQuotedPrintable("bad =ZZ escape"));
    BOOST_CHECK(!decodeQuotedPrintable("bad =\r"));
    BOOST_CHECK(!decodeQuotedPrintable("=4"));
}

BOOST_AUTO_TEST_CASE(base64_strict) {
    BOOST_TEST(*decodeBase64("aGVs\r\nbG8=\r\n") == "hello");
    BOOST_CHECK(!decodeBase64("aGVs*bG8="));
    BOOST_CHECK(!decodeBase64("aGVsbG8"));  // unpadded
    BOOST_TEST(encodeBase64(std::string(60, 'x'), true).find("\r\n") == 76u);
    BOOST_TEST(*decodeBase64(encodeBase64(std::string(300, '\xff'), true)) == std::string(300, '\xff'));
}

BOOST_AUTO_TEST_CASE(url_rules) {
    LinkPolicy p = policy();
    for (const char* yes : {"http://a.example/", "HTTPS://A.Example/x?y=1#z", "https://sub.noclick.example.org/",
                            "https://evilnoclick.example/", "https://noclick.example@evil.example/"})
        BOOST_CHECK_MESSAGE(shouldWrap(yes, p), yes);
    for (const char* no : {"mailto:a@b.example", "tel:+4930123", "#top", "data:text/html,hi", "javascript:alert(1)",
                           "/relative", "ftp://a.example/", "https://noclick.example/", "https://www.noclick.example/x",
                           "https://evil.example@noclick.example/", "https://NoClick.Example./",
                           "https://t.example.test/api/v1/tracking/click/abc", "https://shop.example/unsub?u=1",
                           "https://a.example/with space", "https://a.example/\xc3\xa9", "https://", "http:///x"})
        BOOST_CHECK_MESSAGE(!shouldWrap(no, p), no);
    BOOST_CHECK(!shouldWrap("https://a.example/" + std::string(kMaxTrackedUrl, 'x'), p));
    BOOST_TEST(urlHost("https://u:p@[2001:db8::1]:8443/x") == "[2001:db8::1]");
    BOOST_TEST(urlHost("http://A.Example.:80?q") == "a.example");
}

BOOST_AUTO_TEST_CASE(attribute_references) {
    BOOST_TEST(decodeAttribute("a?x=1&amp;y=2&#38;z=3&#x26;w=&lt;&gt;&quot;&apos;") == "a?x=1&y=2&z=3&w=<>\"'");
    BOOST_TEST(decodeAttribute("a?x=1&y=2&copy=3&amp") == "a?x=1&y=2&copy=3&amp");  // left as written
    BOOST_TEST(decodeAttribute("&#233;&#0;&#x110000;") == "\xc3\xa9&#0;&#x110000;");
}

BOOST_AUTO_TEST_CASE(href_quoting_styles_and_case) {
    BOOST_TEST(html("<a href=\"https://a.example/1\">") == "<a href=\"C[https://a.example/1]\">");
    BOOST_TEST(html("<a href='https://a.example/2'>") == "<a href='C[https://a.example/2]'>");
    BOOST_TEST(html("<a href=https://a.example/3>") == "<a href=C[https://a.example/3]>");
    BOOST_TEST(html("<A HREF = \"HTTP://A.example/4\" Class=x>") == "<A HREF = \"C[HTTP://A.example/4]\" Class=x>");
    BOOST_TEST(html("<area shape=rect href=\"https://a.example/5\"/>") ==
               "<area shape=rect href=\"C[https://a.example/5]\"/>");
    BOOST_TEST(html("<a\n  title=\"a>b\"\n  href=\"https://a.example/6\">") ==
               "<a\n  title=\"a>b\"\n  href=\"C[https://a.example/6]\">");
    BOOST_TEST(html("<a href=\" https://a.example/7 \">") == "<a href=\"C[https://a.example/7]\">");
}

BOOST_AUTO_TEST_CASE(href_entities_are_decoded_before_signing) {
    std::string signedUrl;
    LinkPolicy p = policy(true, false);
    p.wrap = [&signedUrl](const std::string& u) {
        signedUrl = u;
        return std::string("https://t.example.test/api/v1/tracking/click/T?a&b");
    };
    std::string out = rewriteHtml("<a href=\"https://a.example/?x=1&amp;y=2&#38;z\">", p).text;
    BOOST_TEST(signedUrl == "https://a.example/?x=1&y=2&z");
    BOOST_TEST(out == "<a href=\"https://t.example.test/api/v1/tracking/click/T?a&amp;b\">");  // escaped back
}

BOOST_AUTO_TEST_CASE(links_left_alone) {
    const char* untouched[] = {
        "<a href=\"mailto:a@b.example\">",
        "<a href=\"tel:+1\">",
        "<a href=\"#top\">",
        "<a href=\"data:text/html,x\">",
        "<a href=\"https://a.example/\" data-v2v-notrack>",
        "<a DATA-V2V-NOTRACK=\"1\" href=\"https://a.example/\">",
        "<a href=\"https://noclick.example/x\">",
        "<a href=\"https://t.example.test/api/v1/tracking/click/XYZ\">",
        "<a href=\"https://shop.example/unsub?u=1\">",
        "<a name=\"x\">",
        "<a href>",
        "<link href=\"https://a.example/style.css\">",
        "<abbr href=\"https://a.example/\">",
        "<!-- <a href=\"https://a.example/\"> -->",
        "<script>var s = '<a href=\"https://a.example/\">';</script>",
        "<STYLE>a[href=\"https://a.example/\"]{}</STYLE>",
        "<a href=\"https://a.example/unclosed",
    };
    for (const char* h : untouched) BOOST_CHECK_MESSAGE(html(h) == h, h);
}

BOOST_AUTO_TEST_CASE(outlook_conditional_comments_are_scanned) {
    BOOST_TEST(html("<!--[if mso]><a href=\"https://a.example/o\">x</a><![endif]-->") ==
               "<!--[if mso]><a href=\"C[https://a.example/o]\">x</a><![endif]-->");
}

BOOST_AUTO_TEST_CASE(first_href_wins) {
    BOOST_TEST(html("<a href=\"https://a.example/1\" href=\"https://a.example/2\">") ==
               "<a href=\"C[https://a.example/1]\" href=\"https://a.example/2\">");
}

BOOST_AUTO_TEST_CASE(pixel_placement) {
    const std::string img =
        "<img src=\"https://t.example.test/api/v1/tracking/open/P.gif\" width=\"1\" height=\"1\" alt=\"\" "
        "style=\"display:block;width:1px;height:1px;border:0\">";
    BOOST_TEST(html("<body>x</body><!-- </body> --></html>", true) == "<body>x" + img + "</body><!-- </body> --></html>");
    BOOST_TEST(html("<BODY>x</BODY ></HTML>", true) == "<BODY>x" + img + "</BODY ></HTML>");
    BOOST_TEST(html("<html>x</html>\n", true) == "<html>x" + img + "</html>\n");
    BOOST_TEST(html("<p>fragment</p>", true) == "<p>fragment</p>" + img);
    BOOST_TEST(html("<p>fragment</p>\r\n\r\n", true) == "<p>fragment</p>" + img + "\r\n\r\n");
    // A body that already has our pixel gets no second one.
    std::string once = html("<body>x</body>", true);
    BOOST_TEST(html(once, true) == once);
    HtmlRewrite none = rewriteHtml("<p>no links</p>", policy(true, false));
    BOOST_CHECK(!none.changed());
}

BOOST_AUTO_TEST_CASE(text_links) {
    LinkPolicy p = policy();
    HtmlRewrite r = rewriteTextLinks(
        "See https://a.example/x. Or (https://a.example/y) and <https://a.example/z>, "
        "https://en.example/wiki/Foo_(bar) or mailto:a@b.example or xhttps://a.example/ "
        "https://noclick.example/keep!",
        p);
    BOOST_TEST(r.text ==
               "See C[https://a.example/x]. Or (C[https://a.example/y]) and <C[https://a.example/z]>, "
               "C[https://en.example/wiki/Foo_(bar)] or mailto:a@b.example or xhttps://a.example/ "
               "https://noclick.example/keep!");
    BOOST_TEST(r.links == 4);
    BOOST_TEST(rewriteTextLinks("https://a.example/", policy(false)).text == "https://a.example/");
}

BOOST_AUTO_TEST_CASE(track_header_words) {
    TrackFeatures f = parseTrackHeader(" Opens ,clicks,\tUNSUBSCRIBE, bogus");
    BOOST_CHECK(f.opens && f.clicks && f.unsubscribe);
    BOOST_CHECK(!parseTrackHeader("").any());
    BOOST_CHECK(!parseTrackHeader("none").any());
    f = parseTrackHeader("clicks");
    BOOST_CHECK(!f.opens && f.clicks && !f.unsubscribe);
}

BOOST_AUTO_TEST_CASE(session_rewrites_before_signing_and_signature_verifies) {
    auto r = trackingRuntime();
    Message in = parseMessage(kHtmlMail);
    Tracked t = runTracked(r, in);
    BOOST_TEST((t.run.eom == Verdict::cont));
    BOOST_REQUIRE(t.io.bodyReplaced);
    BOOST_TEST(*header(t.out, "Content-Transfer-Encoding") == " quoted-printable");
    auto lu = header(t.out, "List-Unsubscribe");
    BOOST_REQUIRE(lu);
    BOOST_TEST(lu->find(" <https://t.example.test/api/v1/tracking/unsubscribe/") == 0u);
    BOOST_TEST(*header(t.out, "List-Unsubscribe-Post") == " List-Unsubscribe=One-Click");
    BOOST_CHECK(!header(t.out, "X-V2V-Track"));
    // The tokens name the email and recipient 2 (from the VERP return path).
    std::string tok = lu->substr(lu->rfind('/') + 1);
    tok.pop_back();
    auto target = verifyToken(tok, r->config->tracking.keys);
    BOOST_REQUIRE(target);
    BOOST_TEST(target->email_id == kTrackEmail);
    BOOST_TEST(target->recipient == 2);
    BOOST_CHECK(target->kind == TokenKind::unsubscribe);
    // Body: click URL and pixel, QP 7-bit; the é survives as =C3=A9.
    BOOST_TEST(t.out.body.find("=C3=A9") != std::string::npos);
    std::string decoded = *decodeQuotedPrintable(t.out.body);
    BOOST_TEST(decoded.find("\xc3\xa9") != std::string::npos);
    BOOST_TEST(decoded.find("<a href=\"https://t.example.test/api/v1/tracking/click/") != std::string::npos);
    BOOST_TEST(decoded.find("<img src=\"https://t.example.test/api/v1/tracking/open/") != std::string::npos);
    // Both signatures cover the final body and the new headers.
    auto v = verify(*r, t.out);
    BOOST_REQUIRE(v.size() == 2u);
    BOOST_TEST(v[0].result == "pass");
    BOOST_TEST(v[1].result == "pass");
    bool signsUnsub = false;
    for (const auto& i : t.io.inserted)
        if (i.name == "DKIM-Signature" && lower(i.value).find("list-unsubscribe-post") != std::string::npos)
            signsUnsub = true;
    BOOST_CHECK(signsUnsub);
}

BOOST_AUTO_TEST_CASE(click_token_carries_the_decoded_url) {
    auto r = trackingRuntime();
    Tracked t = runTracked(r, parseMessage(kHtmlMail));
    auto body = decodeQuotedPrintable(t.out.body);
    BOOST_REQUIRE(body);
    std::size_t at = body->find("/api/v1/tracking/click/");
    BOOST_REQUIRE(at != std::string::npos);
    at += std::strlen("/api/v1/tracking/click/");
    std::string tok = body->substr(at, body->find('"', at) - at);
    auto target = verifyToken(tok, r->config->tracking.keys);
    BOOST_REQUIRE(target);
    BOOST_TEST(target->url == "https://shop.example/sale?a=1&b=2");
    BOOST_TEST(target->recipient == 2);
}

BOOST_AUTO_TEST_CASE(inbound_mail_is_never_rewritten) {
    auto r = trackingRuntime();
    Message in = parseMessage(kHtmlMail);
    Tracked t = runTracked(r, in, "someone@remote.test", "198.51.100.7");
    BOOST_TEST(!t.io.bodyReplaced);
    BOOST_TEST(t.io.changed.empty());
    BOOST_CHECK(!header(t.out, "X-V2V-Track"));  // still stripped
}

BOOST_AUTO_TEST_CASE(gateway_mail_without_track_header_is_not_tracked) {
    auto r = trackingRuntime("    domains:\n      - {domain: example.test, client_id: shop, opens: true, clicks: true}\n");
    std::string text = kHtmlMail;
    text.erase(text.find("X-V2V-Track"), text.find('\n', text.find("X-V2V-Track")) - text.find("X-V2V-Track") + 1);
    Tracked t = runTracked(r, parseMessage(text));
    BOOST_TEST(!t.io.bodyReplaced);
    BOOST_TEST(t.io.changed.empty());
}

BOOST_AUTO_TEST_CASE(smtp_mail_takes_the_domain_or_user_default) {
    auto r = trackingRuntime(
        "    users:\n      - {user: alice, client_id: alice-app, opens: false, clicks: true}\n"
        "    domains:\n      - {domain: example.test, client_id: shop, opens: true, clicks: false}\n");
    std::string text = kHtmlMail;
    text = text.substr(text.find("From:"));  // no internal headers at all
    // By From domain, no VERP: tokens carry the client, opens only.
    Tracked byDomain = runTracked(r, parseMessage(text), "news@example.test");
    BOOST_REQUIRE(byDomain.io.bodyReplaced);
    auto body = *decodeQuotedPrintable(byDomain.out.body);
    BOOST_TEST(body.find("/tracking/open/") != std::string::npos);
    BOOST_TEST(body.find("/tracking/click/") == std::string::npos);
    BOOST_CHECK(!header(byDomain.out, "List-Unsubscribe"));
    std::size_t at = body.find("/tracking/open/") + std::strlen("/tracking/open/");
    auto target = verifyToken(body.substr(at, body.find(".gif", at) - at), r->config->tracking.keys);
    BOOST_REQUIRE(target);
    BOOST_TEST(target->client_id == "shop");
    BOOST_TEST(target->email_id == "");
    BOOST_TEST(target->recipient == -1);
    // An authenticated user's entry wins over the domain.
    Session s([r] { return r; });
    RecordingIo io;
    io.macros["{auth_authen}"] = "alice";
    runSession(s, io, parseMessage(text), "203.0.113.9", "news@example.test");
    BOOST_REQUIRE(io.bodyReplaced);
    auto body2 = *decodeQuotedPrintable(io.newBody);
    BOOST_TEST(body2.find("/tracking/click/") != std::string::npos);
    BOOST_TEST(body2.find("/tracking/open/") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_authenticated_sender_cannot_mint_tokens_for_other_mail) {
    // A SASL tenant forges the gateway's headers and another email's VERP return path.
    auto run = [](const std::shared_ptr<const Runtime>& r) {
        Session s([r] { return r; });
        RecordingIo io;
        io.macros["{auth_authen}"] = "mallory";
        runSession(s, io, parseMessage(kHtmlMail), "203.0.113.9", kTrackSender);
        return io;
    };
    RecordingIo none = run(trackingRuntime());
    BOOST_TEST(!none.bodyReplaced);
    BOOST_TEST(none.changed.empty());  // no List-Unsubscribe either
    auto r = trackingRuntime("    users:\n      - {user: mallory, client_id: mallory-app, opens: true, clicks: false}\n");
    RecordingIo own = run(r);
    BOOST_REQUIRE(own.bodyReplaced);
    for (const auto& c : own.changed) BOOST_TEST(c.name != "List-Unsubscribe");
    auto body = *decodeQuotedPrintable(own.newBody);
    BOOST_TEST(body.find("/tracking/click/") == std::string::npos);  // X-V2V-Track ignored
    std::size_t at = body.find("/tracking/open/") + std::strlen("/tracking/open/");
    auto target = verifyToken(body.substr(at, body.find(".gif", at) - at), r->config->tracking.keys);
    BOOST_REQUIRE(target);
    BOOST_TEST(target->email_id == "");  // not the forged VERP email
    BOOST_TEST(target->client_id == "mallory-app");
}

BOOST_AUTO_TEST_CASE(uncorrelated_mail_is_sent_untracked_and_counted) {
    auto r = trackingRuntime();
    auto before = trackingCounters().uncorrelated.load();
    Tracked t = runTracked(r, parseMessage(kHtmlMail), "plain@example.test");
    BOOST_TEST(!t.io.bodyReplaced);
    BOOST_TEST(trackingCounters().uncorrelated.load() == before + 1);
}

BOOST_AUTO_TEST_CASE(malformed_mime_goes_out_unchanged_and_signed) {
    auto r = trackingRuntime();
    std::string text = kHtmlMail;
    text.replace(text.find("Content-Type: text/html; charset=utf-8"), 38,
                 "Content-Type: multipart/alternative; boundary=\"b1\"");
    text += "--b1\nContent-Type: text/html\n\n<a href=\"https://a.example/\">x</a>\n";  // no closing boundary
    auto before = trackingCounters().failed.load();
    Message in = parseMessage(text);
    Tracked t = runTracked(r, in);
    BOOST_TEST((t.run.eom == Verdict::cont));
    BOOST_TEST(!t.io.bodyReplaced);
    BOOST_TEST(trackingCounters().failed.load() == before + 1);
    BOOST_TEST(t.out.body == in.body);
    BOOST_CHECK(header(t.out, "List-Unsubscribe"));  // the header part still applies
    auto v = verify(*r, t.out);
    BOOST_REQUIRE(v.size() == 2u);
    BOOST_TEST(v[0].result == "pass");
}

BOOST_AUTO_TEST_CASE(unknown_charset_goes_out_unchanged) {
    auto r = trackingRuntime();
    std::string text = kHtmlMail;
    text.replace(text.find("charset=utf-8"), 13, "charset=x-no-such-charset");
    Tracked t = runTracked(r, parseMessage(text));
    BOOST_TEST(!t.io.bodyReplaced);
    BOOST_CHECK(!header(t.out, "Content-Transfer-Encoding") ||
                *header(t.out, "Content-Transfer-Encoding") == " 8bit");
}

BOOST_AUTO_TEST_CASE(own_list_unsubscribe_is_kept_and_not_wrapped) {
    auto r = trackingRuntime();
    std::string text = kHtmlMail;
    text.insert(text.find("MIME-Version"), "List-Unsubscribe: <https://shop.example/unsub?u=1>, <mailto:u@shop.example>\n");
    text.insert(text.find("</p>"), "<a href=\"https://shop.example/unsub?u=1\">unsubscribe</a>");
    Tracked t = runTracked(r, parseMessage(text));
    BOOST_TEST(*header(t.out, "List-Unsubscribe") == " <https://shop.example/unsub?u=1>, <mailto:u@shop.example>");
    BOOST_CHECK(!header(t.out, "List-Unsubscribe-Post"));
    BOOST_TEST(decodeQuotedPrintable(t.out.body)->find("\"https://shop.example/unsub?u=1\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(disabled_tracking_does_nothing) {
    auto r = trackingRuntime("    enabled: false\n");
    Tracked t = runTracked(r, parseMessage(kHtmlMail));
    BOOST_TEST(!t.io.bodyReplaced);
    BOOST_TEST(t.io.changed.empty());
}

BOOST_AUTO_TEST_CASE(message_over_the_tracking_limit_is_sent_untracked) {
    auto r = trackingRuntime("    max_message_bytes: 1024\n");
    std::string text = kHtmlMail;
    text.insert(text.find("</p>"), std::string(2000, 'x'));
    Tracked t = runTracked(r, parseMessage(text));
    BOOST_TEST((t.run.eom == Verdict::cont));
    BOOST_TEST(!t.io.bodyReplaced);
}

BOOST_AUTO_TEST_CASE(tracking_configuration_errors_name_the_key) {
    auto error = [](const std::string& yaml) {
        try {
            parseConfig(yaml, "t.yaml");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    BOOST_TEST(error("milter:\n  tracking:\n    users:\n      - {user: alice, opens: true}\n")
                   .find("milter.tracking.users[0]: missing required key client_id") != std::string::npos);
    BOOST_TEST(error("milter:\n  tracking:\n    domains:\n      - {domain: 'bad domain', client_id: c}\n")
                   .find("milter.tracking.domains[0].domain") != std::string::npos);
    BOOST_TEST(error("milter:\n  tracking:\n    max_parts: 0\n").find("milter.tracking.max_parts") != std::string::npos);
    BOOST_TEST(error("tracking:\n  base_url: \"https://t.example/x\\r\\nBcc: x\"\n").find("tracking.base_url") !=
               std::string::npos);
    BOOST_TEST(error("tracking:\n  base_url: 'https://t.example/\"><script>'\n").find("tracking.base_url") !=
               std::string::npos);
    BOOST_TEST(error("tracking:\n  base_url: https://t.example/v2v\n") == "");
}

BOOST_AUTO_TEST_SUITE_END()
