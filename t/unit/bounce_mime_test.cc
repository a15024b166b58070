// MIME reading of reports: line ends, headers, transfer encodings, charsets,
// flattening of the MIME tree, mbox framing.
#include <boost/test/unit_test.hpp>

#include "mime.h"
#include "text.h"

using namespace v2v::bounce;

BOOST_AUTO_TEST_CASE(line_ends_are_normalised) {
    BOOST_TEST(normalizeLines("a\r\nb\rc\nd  \r\n") == "a\nb\nc\nd\n");
    BOOST_TEST(normalizeLines("x\t\t\ny") == "x\ny");
}

BOOST_AUTO_TEST_CASE(headers_unfold_and_keep_last_value) {
    Headers h = parseHeaders(
        "Subject: first\nX-A: one\n two\n\tthree\nSubject: second\nReceived: from a by b\nReceived: from c\n by d\n");
    BOOST_TEST(h.get("subject") == "second");
    BOOST_TEST(h.get("x-a") == "one two three");
    BOOST_REQUIRE(h.received().size() == 2u);
    BOOST_TEST(h.received()[1] == "from c by d");
    BOOST_TEST(!h.has("missing"));
    BOOST_TEST(h.get("missing").empty());
}

BOOST_AUTO_TEST_CASE(folded_parameter_without_indentation_continues_the_field) {
    Headers h = parseHeaders("Content-Type: multipart/alternative;\nboundary=\"b1\"\nX-Next: v\n");
    BOOST_TEST(contentParam(h.get("content-type"), "boundary") == "b1");
    BOOST_TEST(h.get("x-next") == "v");
}

BOOST_AUTO_TEST_CASE(transfer_encodings_decode) {
    BOOST_TEST(base64Decode("SGVs\nbG8g\r\nd29y bGQ=") == "Hello world");
    BOOST_TEST(base64Decode("SGk=!!garbage") == "Hi");
    BOOST_TEST(quotedPrintableDecode("caf=C3=A9 soft=\nbreak =ZZ") == "caf\xC3\xA9 softbreak =ZZ");
    BOOST_TEST(quotedPrintableDecode("a_b", true) == "a b");
}

BOOST_AUTO_TEST_CASE(charsets_convert_to_utf8) {
    BOOST_TEST(toUtf8("J\xF6rg", "iso-8859-1") == "J\xC3\xB6rg");
    BOOST_TEST(toUtf8("\x1b$B%f!<%6\x1b(B", "ISO-2022-JP") == "\xE3\x83\xA6\xE3\x83\xBC\xE3\x82\xB6");
    BOOST_TEST(toUtf8("+ZeVnLIqe-", "unicode-1-1-utf-7") == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
    BOOST_TEST(toUtf8("plain", "x-no-such-charset") == "plain");
    // Invalid bytes never abort the conversion: they become U+FFFD.
    BOOST_TEST(toUtf8("a\xFF" "b", "utf-16") != "");
    BOOST_TEST(toUtf8("\xA4\xA2", "uft-8") == "\xA4\xA2");  // misspelt UTF-8 label: left alone
}

BOOST_AUTO_TEST_CASE(encoded_words_decode) {
    BOOST_TEST(decodeEncodedWords("=?utf-8?B?44GT44KT?= =?utf-8?Q?x=41?=") == "\xE3\x81\x93\xE3\x82\x93xA");
    BOOST_TEST(decodeEncodedWords("Re: =?iso-8859-1?q?J=F6rg?= here") == "Re: J\xC3\xB6rg here");
    BOOST_TEST(hasEncodedWord("=?a?B?x?="));
    BOOST_TEST(!hasEncodedWord("no words"));
}

BOOST_AUTO_TEST_CASE(content_parameters) {
    BOOST_TEST(contentParam("multipart/report; report-type=x; boundary=\"a b;c\"", "boundary") == "a b;c");
    BOOST_TEST(contentParam("text/plain; CHARSET=ISO-8859-1", "charset") == "ISO-8859-1");
    BOOST_TEST(contentParam("text/plain; xcharset=a", "charset") == "");
}

BOOST_AUTO_TEST_CASE(report_is_flattened_for_the_readers) {
    auto r = readReport(
        "From: MAILER-DAEMON@x.test\nSubject: s\nContent-Type: multipart/report; boundary=\"B\"\n\n"
        "preamble\n--B\nContent-Type: text/plain\n\nHuman text\n--B\n"
        "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--B\n"
        "Content-Type: message/global-delivery-status\n\nFinal-Recipient: utf-8; a@b.test\nStatus: 5.1.1\n"
        "--B\nContent-Type: text/html\n\n<html><body><p>Html &amp; text</p></body></html>\n"
        "--B\nContent-Type: message/rfc822\n\nSubject: original\nMessage-ID: <m@x>\n\nbody\n--B--\n");
    BOOST_REQUIRE(r);
    BOOST_TEST(contains(r->body, "Human text"));
    BOOST_TEST(!contains(r->body, "iVBOR"));
    BOOST_TEST(contains(r->body, "Content-Type: message/delivery-status\nFinal-Recipient: utf-8; a@b.test"));
    BOOST_TEST(contains(r->body, "Html & text"));
    BOOST_TEST(contains(r->body, "Content-Type: message/rfc822\nSubject: original"));
}

BOOST_AUTO_TEST_CASE(nested_multipart_and_alternative) {
    auto r = readReport(
        "Subject: s\nContent-Type: multipart/mixed; boundary=o\n\n--o\n"
        "Content-Type: multipart/alternative; boundary=i\n\n--i\nContent-Type: text/plain\n\nplain part\n"
        "--i\nContent-Type: text/html\n\n<html><body>html part</body></html>\n--i--\n--o--\n");
    BOOST_REQUIRE(r);
    BOOST_TEST(contains(r->body, "plain part"));
    BOOST_TEST(!contains(r->body, "html part"));  // the text alternative is enough
}

BOOST_AUTO_TEST_CASE(top_level_base64_text_is_decoded) {
    auto r = readReport("Subject: s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                        "PHVzZXJAZXhhbXBsZS5jb20+OiA1NTAgdW5rbm93bg==\n");
    BOOST_REQUIRE(r);
    BOOST_TEST(contains(r->body, "<user@example.com>: 550 unknown"));
}

BOOST_AUTO_TEST_CASE(forwarded_report_is_unquoted) {
    auto r = readReport("Subject: Fwd: Undelivered Mail\n\n> line one\n> line two\n");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->head.get("subject") == "Undelivered Mail");
    BOOST_TEST(contains(r->body, "line one\nline two"));
}

BOOST_AUTO_TEST_CASE(not_a_message) {
    BOOST_TEST(!readReport(""));
    BOOST_TEST(!readReport("no header separation at all"));
    BOOST_TEST(!readReport("\n\nbody only"));
}

BOOST_AUTO_TEST_CASE(mbox_is_split_on_separator_lines_only) {
    std::string one = "From a@b Thu Apr 29 23:34:45 2015\nSubject: 1\n\nbody\nFrom here on it is text\n\n";
    std::string two = "From MAILER-DAEMON  Thu Apr 29 23:34:46 2015\nSubject: 2\n\nbody\n";
    std::string both = one + two;
    auto parts = splitMbox(both);
    BOOST_REQUIRE(parts.size() == 2u);
    BOOST_TEST(parts[0] == one);
    BOOST_TEST(parts[1] == two);
    BOOST_TEST(splitMbox("Subject: x\n\nFrom a@b Thu Apr 29 23:34:45 2015\n").size() == 1u);
}
