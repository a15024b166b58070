// The direct serializer (mime_simple.h) against the GMime builder: thousands of
// generated requests (seeded, reproducible) built both ways, both parsed back
// with GMime's parser; decoded headers, content types and decoded part bodies
// must be equal, and the fast output must be CRLF-only 7-bit with short lines.
// Then every fallback condition, and that the common case is fast.
#include <boost/test/unit_test.hpp>

#include <regex>

#include <gmime/gmime.h>

#include <algorithm>
#include <memory>
#include <random>
#include <sstream>

#include "gmime_ptr.h"
#include "mime_build.h"
#include "mime_simple.h"

using namespace v2v;
using namespace v2v::gw;

namespace {

std::string show(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '\r') o += "\\r";
        else if (c == '\n') o += "\\n";
        else if (c < 32 || c > 126) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            o += b;
        } else o += static_cast<char>(c);
    }
    return o;
}

// What a parsed message says, decoded, in a form two messages can be compared by.
struct Decoded {
    std::vector<std::string> headers;  // "Name: decoded value", in order; then "Body: type/subtype"
    std::vector<std::string> parts;    // "type/subtype charset encoding | decoded bytes"
};

std::string addresses(InternetAddressList* l) {
    std::string o;
    for (int i = 0; l && i < internet_address_list_length(l); ++i) {
        InternetAddress* a = internet_address_list_get_address(l, i);
        const char* name = internet_address_get_name(a);
        o += "[" + std::string(name ? name : "") + "|";
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) o += internet_address_mailbox_get_idn_addr(INTERNET_ADDRESS_MAILBOX(a));
        o += "]";
    }
    return o;
}

std::string decodedPart(GMimeObject* o) {
    GMimeContentType* ct = g_mime_object_get_content_type(o);
    const char* cs = g_mime_object_get_content_type_parameter(o, "charset");
    std::string d = std::string(g_mime_content_type_get_media_type(ct)) + "/" +
                    g_mime_content_type_get_media_subtype(ct) + " " + (cs ? cs : "-") + " " +
                    g_mime_content_encoding_to_string(g_mime_part_get_content_encoding(GMIME_PART(o))) + " | ";
    GPtr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), out.get());
    GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
    return d + std::string(reinterpret_cast<char*>(a->data), a->len);
}

void leafParts(GMimeObject* o, std::vector<std::string>& out) {
    if (GMIME_IS_MULTIPART(o)) {
        for (int i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(o)); ++i)
            leafParts(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), out);
    } else {
        out.push_back(decodedPart(o));
    }
}

Decoded decode(const std::string& m) {
    GPtr<GMimeStream> s(g_mime_stream_mem_new_with_buffer(m.data(), m.size()));
    GPtr<GMimeParser> p(g_mime_parser_new_with_stream(s.get()));
    GPtr<GMimeMessage> msg(g_mime_parser_construct_message(p.get(), nullptr));
    Decoded d;
    BOOST_REQUIRE(msg);
    GMimeHeaderList* hl = g_mime_object_get_header_list(GMIME_OBJECT(msg.get()));
    for (int i = 0; i < g_mime_header_list_get_count(hl); ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
        std::string name = g_mime_header_get_name(h), v;
        if (name == "From") v = addresses(g_mime_message_get_from(msg.get()));
        else if (name == "To") v = addresses(g_mime_message_get_to(msg.get()));
        else if (name == "Cc") v = addresses(g_mime_message_get_cc(msg.get()));
        else if (name == "Reply-To") v = addresses(g_mime_message_get_reply_to(msg.get()));
        else if (name == "Date") v = std::to_string(g_date_time_to_unix(g_mime_message_get_date(msg.get())));
        else if (name == "Message-Id") v = g_mime_message_get_message_id(msg.get());
        else if (name == "MIME-Version") v = g_mime_header_get_value(h);
        else {
            char* t = g_mime_utils_header_decode_text(nullptr, g_mime_header_get_value(h));
            v = t;
            g_free(t);
        }
        d.headers.push_back(name + ": " + v);
    }
    GMimeObject* top = g_mime_message_get_mime_part(msg.get());
    GMimeContentType* ct = g_mime_object_get_content_type(top);
    d.headers.push_back("Body: " + std::string(g_mime_content_type_get_media_type(ct)) + "/" +
                        g_mime_content_type_get_media_subtype(ct));
    leafParts(top, d.parts);
    return d;
}

std::string mailboxes(const std::vector<Mailbox>& ms) {
    std::string o;
    for (const auto& m : ms) o += "[" + m.name + "|" + m.email + "]";
    return o;
}

// The decoded header list the request asks for, in GMime's order.
std::vector<std::string> expectedHeaders(const SendRequest& r, const BuiltHeaders& h) {
    std::vector<std::string> e = {"Date: " + std::to_string(h.date), "From: " + mailboxes({r.from})};
    if (r.reply_to) e.push_back("Reply-To: " + mailboxes({*r.reply_to}));
    e.push_back("Subject: " + r.subject);
    if (!r.to.empty()) e.push_back("To: " + mailboxes(r.to));
    if (!r.cc.empty()) e.push_back("Cc: " + mailboxes(r.cc));
    e.push_back("Message-Id: " + h.message_id);
    for (const auto& [n, v] : r.headers) e.push_back(n + ": " + v);
    for (const auto& [n, v] : h.internal) e.push_back(n + ": " + v);
    e.push_back("MIME-Version: 1.0");
    e.push_back(r.text && r.html ? "Body: multipart/alternative" : r.html ? "Body: text/html" : "Body: text/plain");
    return e;
}

// Runs of whitespace (folding included) as one space: GMime folds long quoted
// display names and unstructured values at a space and its parser keeps the
// fold ("\n\t") in the decoded value; the fast path does not.
std::string squeezed(const std::string& s) {
    std::string o;
    for (char c : s) {
        const bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (ws && (o.empty() || o.back() == ' ')) continue;
        o += ws ? ' ' : c;
    }
    while (!o.empty() && o.back() == ' ') o.pop_back();
    return o;
}

// The longest header line holding an RFC 2047 encoded word (RFC 2047 allows 76).
std::size_t longestEncodedWordLine(const std::string& m) {
    const std::size_t headerEnd = m.find("\r\n\r\n");
    std::size_t longest = 0;
    for (std::size_t start = 0; start < headerEnd;) {
        const std::size_t end = m.find("\r\n", start);
        if (m.substr(start, end - start).find("=?") != std::string::npos)
            longest = std::max(longest, end - start);
        start = end + 2;
    }
    return longest;
}

// CRLF only, 7-bit, lines <= 998; QP body lines <= 76; returns the longest header line.
std::size_t checkInvariants(const std::string& m) {
    const std::size_t headerEnd = m.find("\r\n\r\n");
    BOOST_REQUIRE(headerEnd != std::string::npos);
    std::size_t start = 0, longestHeader = 0;
    bool inQpBody = false;
    while (start < m.size()) {
        const std::size_t end = m.find("\r\n", start);
        BOOST_REQUIRE(end != std::string::npos);
        const std::size_t len = end - start;
        BOOST_TEST_REQUIRE(len <= 998u);
        if (start < headerEnd) longestHeader = std::max(longestHeader, len);
        const std::string line = m.substr(start, len);
        if (line.rfind("--=_", 0) == 0) inQpBody = false;
        else if (line.empty()) inQpBody = true;  // the end of the message's or a part's header
        else if (inQpBody) BOOST_TEST_REQUIRE(len <= 76u, show(line));
        start = end + 2;
    }
    std::size_t bad = m.size();  // first byte that is 8-bit or a bare CR / LF
    for (std::size_t i = 0; i < m.size() && bad == m.size(); ++i) {
        if (static_cast<unsigned char>(m[i]) >= 0x80u || (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) ||
            (m[i] == '\r' && (i + 1 == m.size() || m[i + 1] != '\n')))
            bad = i;
    }
    BOOST_TEST_REQUIRE(bad == m.size());
    return longestHeader;
}

// ---- generated requests ----

class Gen {
public:
    explicit Gen(unsigned seed) : rng_(seed) {}
    int num(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(int percent) { return num(1, 100) <= percent; }
    template <class T, std::size_t N>
    const T& pick(const T (&a)[N]) { return a[static_cast<std::size_t>(num(0, static_cast<int>(N) - 1))]; }

    std::string body() {
        static const char* const pieces[] = {
            "Hello", "world", " ", "  ", "\t", "=", "==", "=3D", ".", "\n.", "\nFrom ", "From ", "\n", "\n", "\n",
            "\r\n", "\r", " \n", "\t\n", "   \n", " \r\n", "Grüße", "日本語", "😀", "é", "<p>", "&amp;", "\x01",
            "\x7f", "\xff", "=?UTF-8?B?x?=", "--", "--=_", "end"};
        std::string s;
        const int n = num(0, 60);
        for (int i = 0; i < n; ++i) {
            static const char* const runs[] = {"x", "=", "é", " ", "ab ", "\t"};
            if (chance(5)) {
                const std::string piece = pick(runs);  // long lines, lines of only spaces
                for (int k = num(20, 200); k > 0; --k) s += piece;
            } else {
                s += pick(pieces);
            }
        }
        return s;
    }
    std::string words(bool ascii, int maxWords) {
        static const char* const a[] = {"Hello", "sale", "a", "Q3", "report", "100%", "(draft)", "re:", "x,y",
                                        "\"quoted\"", "back\\slash", "end.", "o'brien", "[tag]", "a@b"};
        static const char* const u[] = {"Grüße", "Köln", "日本語", "😀", "naïve", "ß", "€5", "Ωmega"};
        std::string s;
        const int n = num(1, maxWords);
        for (int i = 0; i < n; ++i) {
            if (i) s += chance(10) ? "  " : " ";
            s += ascii || chance(60) ? pick(a) : pick(u);
        }
        return s;
    }
    // Mostly values the fast path takes; about 1 in 25 one it must refuse.
    std::string headerValue() {
        const int k = num(0, 99);
        if (k < 45) return words(true, 8);
        if (k < 80) return words(false, 8);
        if (k < 92) return words(chance(50), 40);  // long, folds
        if (k < 96) return "";
        static const char* const refused[] = {" lead", "trail ", "tab\there", "=?x?= y", "ctl\x02", "\xc3(",
                                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
        return pick(refused);
    }
    Mailbox mailbox() {
        static const char* const emails[] = {"a@example.test", "bob.smith@x.test", "o'brien@x.test",
                                             "a+tag@sub.example.test", "x_y@xn--bcher-kva.test", "z@y.test"};
        static const char* const names[] = {"", "", "Bob", "Bob Smith", "Smith, Bob", "Dr. Who", "Ann \"Q\" Lee",
                                            "back\\slash", "Ünïcödé Näme", "Müller, Hans", "日本 太郎",
                                            "a@b.test", "x  y", "(c) Co.", "<b>", "O'Brien"};
        static const char* const refused[] = {" lead", "=?x?=", "tab\tname", "ctl\x7f"};
        Mailbox m{pick(names), pick(emails)};
        if (chance(5)) m.name = words(chance(50), 30);  // long names
        if (chance(2)) m.name = pick(refused);
        if (chance(1)) m.email = "a b@x.test";
        return m;
    }
    SendRequest request() {
        SendRequest r;
        r.from = mailbox();
        for (int i = num(0, 4); i > 0; --i) r.to.push_back(mailbox());
        for (int i = num(0, 2); i > 0; --i) r.cc.push_back(mailbox());
        if (chance(20)) r.bcc.push_back({"Hidden", "hidden@bcc.test"});
        if (chance(30)) r.reply_to = mailbox();
        r.subject = headerValue();
        const int kind = num(0, 9);
        if (kind <= 4) r.text = body();
        else if (kind <= 7) r.text = body(), r.html = body();
        else if (kind == 8) r.html = body();
        for (int i = num(0, 3); i > 0; --i) {
            static const char* const names[] = {"X-Campaign", "X-Tag-1", "List-Id", "Precedence", "X-Mailer"};
            r.headers.emplace_back(pick(names), headerValue());
        }
        return r;
    }
    BuiltHeaders headers() {
        BuiltHeaders h;
        h.message_id = "01HZX" + std::to_string(num(0, 1 << 30)) + "@example.test";
        h.date = std::int64_t{1700000000} + num(0, 1 << 30);
        h.internal = {{"X-V2V-Email-Id", "01HZX" + std::to_string(num(0, 999))}};
        if (chance(50)) h.internal.emplace_back("X-V2V-Track", chance(50) ? "opens" : "opens,clicks,unsubscribe");
        return h;
    }

private:
    std::mt19937 rng_;
};

SendRequest common() {
    SendRequest r;
    r.from = {"Shop Team", "shop@example.test"};
    r.to = {{"Bob", "b@x.test"}};
    r.subject = "Your order #123 has shipped";
    r.text = "Hello Bob,\nyour order is on its way.\n";
    r.html = "<p>Hello Bob,</p><p>your order is on its way.</p>";
    return r;
}
BuiltHeaders commonHeaders() {
    BuiltHeaders h;
    h.message_id = "01ABC@example.test";
    h.date = 1800000000;
    h.internal = {{"X-V2V-Email-Id", "01ABC"}, {"X-V2V-Track", "opens,clicks"}};
    return h;
}

}  // namespace

BOOST_AUTO_TEST_CASE(simple_and_gmime_decode_the_same) {
    Gen g(20240601);
    int fast = 0, slow = 0, longHeaderLines = 0, gmimeFolded = 0, gmimeLost = 0;
    const int n = 3000;
    for (int i = 0; i < n; ++i) {
        SendRequest r = g.request();
        BuiltHeaders h = g.headers();
        if (!simpleMessagePossible(r, h)) {
            ++slow;
            continue;
        }
        ++fast;
        const std::string a = buildSimpleMessage(r, h), b = buildMessageWithGMime(r, h);
        if (checkInvariants(a) > 78 || longestEncodedWordLine(a) > 76) ++longHeaderLines;
        BOOST_TEST_REQUIRE(a.find("hidden@bcc.test") == std::string::npos);  // Bcc never in headers
        const Decoded da = decode(a), db = decode(b);
        BOOST_TEST_INFO("case " << i << "\nfast:\n" << a << "\ngmime:\n" << b);
        // The fast path decodes to exactly what was asked...
        const std::vector<std::string> want = expectedHeaders(r, h);
        BOOST_TEST_REQUIRE(da.headers == want, boost::test_tools::per_element());
        // ...and to what GMime's output decodes to, up to GMime's folding
        // whitespace, unless GMime's is the one that lost text (it writes
        // adjacent padded B words, "...==?= =?UTF-8?B?...", and its own parser
        // decodes them as one base64 stream, dropping the second word).
        BOOST_TEST_REQUIRE(da.headers.size() == db.headers.size());
        for (std::size_t k = 0; k < da.headers.size(); ++k) {
            if (squeezed(da.headers[k]) == squeezed(db.headers[k])) {
                gmimeFolded += da.headers[k] != db.headers[k];
            } else {
                // Excused only where GMime wrote what its parser misreads.
                static const std::regex adjacentPaddedB("\\?[Bb]\\?[A-Za-z0-9+/]*=+\\?=\\s+=\\?[^?]+\\?[Bb]\\?");
                BOOST_TEST_REQUIRE(std::regex_search(b, adjacentPaddedB));
                ++gmimeLost;
            }
        }
        BOOST_TEST_REQUIRE(da.parts.size() == db.parts.size());
        for (std::size_t k = 0; k < da.parts.size(); ++k) BOOST_TEST_REQUIRE(show(da.parts[k]) == show(db.parts[k]));
    }
    BOOST_TEST_MESSAGE("fast " << fast << ", gmime " << slow << ", fast messages with a header line > 78, or > 76 holding an encoded word: "
                               << longHeaderLines << ", GMime's decoded headers differing only in folding: "
                               << gmimeFolded << ", headers GMime's output decodes with text lost: " << gmimeLost);
    // The generator covers both paths well (not a vacuous comparison).
    BOOST_TEST(fast > n / 3);
    BOOST_TEST(longHeaderLines == 0);  // short addresses here: every header line folds (RFC 5322, RFC 2047)
    BOOST_TEST(gmimeLost < fast / 50);  // GMime's misreading is rare (10 of about 2,400 when written)
    BOOST_TEST(slow > n / 10);
}

BOOST_AUTO_TEST_CASE(common_case_takes_the_fast_path) {
    SendRequest r = common();
    BuiltHeaders h = commonHeaders();
    BOOST_TEST(simpleMessagePossible(r, h));
    std::string m = buildMessage(r, h);
    BOOST_TEST(m.find("boundary=\"=_v2v_") != std::string::npos);  // ours, not GMime's "=-"
    r.html.reset();
    r.from.name = "Grüße GmbH";
    r.subject = "Grüße aus Köln";
    r.headers = {{"X-Campaign", "fall ☃"}};
    BOOST_TEST(simpleMessagePossible(r, h));
    m = buildMessage(r, h);
    BOOST_TEST(m.find("From: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_GmbH?=") != std::string::npos);
    BOOST_TEST(m.find("charset=utf-8") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exact_bytes_of_a_simple_message) {
    SendRequest r = common();
    r.html.reset();
    r.cc = {{"Smith, Ann", "ann@x.test"}};
    r.bcc = {{"", "hidden@x.test"}};
    r.reply_to = Mailbox{"", "reply@example.test"};
    r.text = "Caf\xc3\xa9 = 5 \nlast\t";
    r.headers = {{"X-Campaign", "spring"}};
    const std::string want =
        "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"
        "From: Shop Team <shop@example.test>\r\n"
        "Reply-To: reply@example.test\r\n"
        "Subject: Your order #123 has shipped\r\n"
        "To: Bob <b@x.test>\r\n"
        "Cc: \"Smith, Ann\" <ann@x.test>\r\n"
        "Message-Id: <01ABC@example.test>\r\n"
        "X-Campaign: spring\r\n"
        "X-V2V-Email-Id: 01ABC\r\n"
        "X-V2V-Track: opens,clicks\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Caf=C3=A9 =3D 5=20\r\n"
        "last=09=\r\n";
    BOOST_TEST(show(buildSimpleMessage(r, commonHeaders())) == show(want));
}

BOOST_AUTO_TEST_CASE(quoted_printable_lines_and_breaks) {
    std::string out;
    appendQuotedPrintable(out, std::string(200, 'x') + "\r\n" + "a\rb");
    BOOST_TEST(show(out) == show(std::string(75, 'x') + "=\r\n" + std::string(75, 'x') + "=\r\n" +
                                 std::string(50, 'x') + "\r\na=0Db"));
    out.clear();
    appendQuotedPrintable(out, std::string(74, 'x') + "\xc3\xa9");  // an =XX never split
    BOOST_TEST(show(out) == show(std::string(74, 'x') + "=\r\n=C3=A9"));
}

BOOST_AUTO_TEST_CASE(long_headers_fold) {
    SendRequest r = common();
    r.subject.clear();
    for (int i = 0; i < 40; ++i) r.subject += (i ? " " : "") + std::string(i % 2 ? "Grüße" : "word");
    for (int i = 0; i < 30; ++i) r.to.push_back({"Name " + std::to_string(i), "rcpt" + std::to_string(i) + "@x.test"});
    std::string m = buildSimpleMessage(r, commonHeaders());
    BOOST_TEST(checkInvariants(m) <= 78u);
    BOOST_TEST(m.find("\r\n =?UTF-8?Q?") != std::string::npos);
    BOOST_TEST(m.find(",\r\n Name ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(each_fallback_condition_falls_back) {
    const BuiltHeaders h = commonHeaders();
    auto falls = [&](const char* what, auto edit, bool gmimeCan = true) {
        SendRequest r = common();
        BuiltHeaders hh = h;
        edit(r, hh);
        BOOST_TEST(!simpleMessagePossible(r, hh), what);
        BOOST_CHECK_THROW(buildSimpleMessage(r, hh), std::invalid_argument);
        // buildMessage still builds it (with GMime): a parseable message
        if (gmimeCan) BOOST_TEST(decode(buildMessage(r, hh)).parts.size() >= 1u, what);
    };
    falls("attachment", [](SendRequest& r, BuiltHeaders&) { r.attachments = {{"a.pdf", "application/pdf", "x", false, ""}}; });
    falls("inline image", [](SendRequest& r, BuiltHeaders&) { r.attachments = {{"l.png", "image/png", "x", true, "l"}}; });
    falls("tab in subject", [](SendRequest& r, BuiltHeaders&) { r.subject = "a\tb"; });
    falls("control in subject", [](SendRequest& r, BuiltHeaders&) { r.subject = "a\x01" "b"; });
    falls("DEL in subject", [](SendRequest& r, BuiltHeaders&) { r.subject = "a\x7f"; });
    falls("leading space", [](SendRequest& r, BuiltHeaders&) { r.subject = " a"; });
    falls("trailing space", [](SendRequest& r, BuiltHeaders&) { r.subject = "Grüße "; });
    falls("=? in ASCII", [](SendRequest& r, BuiltHeaders&) { r.subject = "see =?utf-8?q?x?="; });
    falls("long word", [](SendRequest& r, BuiltHeaders&) { r.subject = "a " + std::string(71, 'w'); });
    falls("overlong UTF-8", [](SendRequest& r, BuiltHeaders&) { r.subject = "\xc0\xaf"; });
    falls("surrogate", [](SendRequest& r, BuiltHeaders&) { r.subject = "\xed\xa0\x80"; });
    falls("truncated UTF-8", [](SendRequest& r, BuiltHeaders&) { r.subject = "ab\xc3"; });
    falls("long name", [](SendRequest& r, BuiltHeaders&) { r.from.name = std::string(201, 'n'); });
    falls("control in name", [](SendRequest& r, BuiltHeaders&) { r.to[0].name = "a\tb"; });
    falls("=? in name", [](SendRequest& r, BuiltHeaders&) { r.to[0].name = "=?x?="; });
    falls("name edge space", [](SendRequest& r, BuiltHeaders&) { r.reply_to = Mailbox{"x ", "r@x.test"}; });
    falls("odd email", [](SendRequest& r, BuiltHeaders&) { r.cc = {{"", "a\"b@x.test"}}; });
    falls("=? in email", [](SendRequest& r, BuiltHeaders&) { r.from.email = "a=?b@x.test"; });
    falls("two @", [](SendRequest& r, BuiltHeaders&) { r.from.email = "a@b@x.test"; });
    falls("UTF-8 email", [](SendRequest& r, BuiltHeaders&) { r.from.email = "ü@x.test"; });
    for (const char* name : {"References", "In-Reply-To", "Resent-From", "Content-Foo", "Sender", "X_Under"})
        falls(name, [&](SendRequest& r, BuiltHeaders&) { r.headers = {{name, "v"}}; });
    falls("header value", [](SendRequest& r, BuiltHeaders&) { r.headers = {{"X-A", "\tx"}}; });
    falls("internal value", [](SendRequest&, BuiltHeaders& b) { b.internal.emplace_back("X-V2V-Track", " x"); });
    falls("odd message id", [](SendRequest&, BuiltHeaders& b) { b.message_id = "a b@x"; });
    falls("message id without @", [](SendRequest&, BuiltHeaders& b) { b.message_id = "abc"; });
    falls("negative date", [](SendRequest&, BuiltHeaders& b) { b.date = -1; });
    // (GMime cannot write that date either: g_date_time_new_from_unix_utc fails)
    falls("year 10000", [](SendRequest&, BuiltHeaders& b) { b.date = 253402300800LL; }, false);
}
