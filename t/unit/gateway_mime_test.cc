// MIME building: structure, encodings (7-bit), line lengths, RFC 2047, round trip.
#include <boost/test/unit_test.hpp>

#include <gmime/gmime.h>

#include "mime_build.h"

using namespace v2v;
using namespace v2v::gw;

namespace {
SendRequest base() {
    SendRequest r;
    r.from = {"Älice", "a@example.test"};
    r.to = {{"Bob", "b@x.test"}};
    r.cc = {{"", "c@x.test"}};
    r.bcc = {{"", "hidden@x.test"}};
    r.subject = "Grüße aus Köln";
    r.text = "Hello é\n" + std::string(2000, 'x') + "\n.dot\n";
    return r;
}
BuiltHeaders hdrs() {
    BuiltHeaders h;
    h.message_id = "01ABC@example.test";
    h.date = 1800000000;
    h.internal = {{"X-V2V-Email-Id", "01ABC"}};
    return h;
}
void checkSevenBitShortLines(const std::string& m) {
    std::size_t start = 0;
    while (start < m.size()) {
        auto end = m.find("\r\n", start);
        BOOST_REQUIRE(end != std::string::npos);
        BOOST_TEST(end - start <= 998u);
        start = end + 2;
    }
    for (unsigned char c : m) BOOST_TEST_REQUIRE(c < 0x80);
    // no bare LF or CR
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\n') BOOST_TEST_REQUIRE((i > 0 && m[i - 1] == '\r'));
        if (m[i] == '\r') BOOST_TEST_REQUIRE((i + 1 < m.size() && m[i + 1] == '\n'));
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(text_only) {
    std::string m = buildMessage(base(), hdrs());
    checkSevenBitShortLines(m);
    BOOST_TEST(m.find("Message-Id: <01ABC@example.test>") != std::string::npos);
    BOOST_TEST(m.find("MIME-Version: 1.0") != std::string::npos);
    BOOST_TEST(m.find("Date: ") != std::string::npos);
    BOOST_TEST(m.find("X-V2V-Email-Id: 01ABC") != std::string::npos);
    BOOST_TEST(m.find("=?UTF-8?") != std::string::npos);         // RFC 2047 subject/name
    BOOST_TEST(m.find("hidden@x.test") == std::string::npos);     // Bcc never in headers
    BOOST_TEST(m.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
    BOOST_TEST(m.find("charset=utf-8") != std::string::npos);
    BOOST_TEST(m.find("Hello =C3=A9") != std::string::npos);  // UTF-8 bytes, not re-encoded to Latin-1
}

BOOST_AUTO_TEST_CASE(alternative_related_mixed_round_trip) {
    SendRequest r = base();
    r.html = "<html><body><p>Hi <img src=\"cid:logo\"></p></body></html>";
    std::string bin;
    for (int i = 0; i < 256; ++i) bin += static_cast<char>(i);
    r.attachments = {{"logo.png", "image/png", bin, true, "logo"}, {"report ü.pdf", "application/pdf", bin + bin, false, ""}};
    r.headers = {{"X-Campaign", "fall ☃"}};
    std::string m = buildMessage(r, hdrs());
    checkSevenBitShortLines(m);
    BOOST_TEST(m.find("multipart/mixed") != std::string::npos);
    BOOST_TEST(m.find("multipart/related") != std::string::npos);
    BOOST_TEST(m.find("multipart/alternative") != std::string::npos);
    BOOST_TEST(m.find("Content-Id: <logo>") != std::string::npos);

    // Parse back with GMime: attachments byte-identical.
    GMimeStream* s = g_mime_stream_mem_new_with_buffer(m.data(), m.size());
    GMimeParser* p = g_mime_parser_new_with_stream(s);
    GMimeMessage* msg = g_mime_parser_construct_message(p, nullptr);
    BOOST_REQUIRE(msg);
    int found = 0;
    GMimePartIter* it = g_mime_part_iter_new(GMIME_OBJECT(msg));
    do {
        GMimeObject* o = g_mime_part_iter_get_current(it);
        if (GMIME_IS_PART(o) && g_mime_part_get_filename(GMIME_PART(o))) {
            GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(o));
            GMimeStream* out = g_mime_stream_mem_new();
            g_mime_data_wrapper_write_to_stream(w, out);
            GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
            std::string got(reinterpret_cast<char*>(a->data), a->len);
            std::string name = g_mime_part_get_filename(GMIME_PART(o));
            BOOST_TEST((got == (name == "logo.png" ? bin : bin + bin)), name);
            ++found;
            g_object_unref(out);
        }
    } while (g_mime_part_iter_next(it));
    g_mime_part_iter_free(it);
    BOOST_TEST(found == 2);
    const char* subj = g_mime_message_get_subject(msg);
    BOOST_TEST(std::string(subj) == "Grüße aus Köln");
    g_object_unref(msg);
    g_object_unref(p);
    g_object_unref(s);
}
