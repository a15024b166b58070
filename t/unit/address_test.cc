// Address parsing shared by the programs, and the text checks it uses (text_checks.h).
#include <boost/test/unit_test.hpp>

#include "address.h"
#include "text_checks.h"

using namespace v2v;

BOOST_AUTO_TEST_CASE(mailbox_forms) {
    Mailbox m;
    BOOST_TEST(parseMailbox("a@example.test", m) == "");
    BOOST_TEST(m.email == "a@example.test");
    BOOST_TEST(parseMailbox("  Alice Doe <Alice@EXAMPLE.test> ", m) == "");
    BOOST_TEST(m.name == "Alice Doe");
    BOOST_TEST(m.email == "Alice@example.test");
    BOOST_TEST(m.domain() == "example.test");
    BOOST_TEST(parseMailbox("\"Doe, \\\"J\\\"\" <j@x.test>", m) == "");
    BOOST_TEST(m.name == "Doe, \"J\"");
    BOOST_TEST(parseMailbox("o'brien+tag@x.test", m) == "");
}

BOOST_AUTO_TEST_CASE(rejects) {
    Mailbox m;
    BOOST_TEST(parseMailbox("a@x.test\r\nBcc: b@x.test", m) != "");
    BOOST_TEST(parseMailbox(std::string(70, 'a') + "@x.test", m) != "");
    BOOST_TEST(parseMailbox("a@" + std::string(64, 'b') + ".test", m) != "");
    BOOST_TEST(parseMailbox("a@x..test", m) != "");
    BOOST_TEST(parseMailbox("a@x.test.", m) == "");  // trailing root dot is dropped
    BOOST_TEST(m.email == "a@x.test");
}

BOOST_AUTO_TEST_CASE(text_checks_atext_and_strict_utf8) {
    for (char c : std::string("aZ09!#$%&'*+-/=?^_`{|}~")) BOOST_TEST(isAtext(c), c);
    for (char c : std::string(" .,;:<>()[]\\\"@\x7f")) BOOST_TEST(!isAtext(c), c);
    BOOST_TEST(!isAtext('\0'));
    BOOST_TEST(!isAtext(static_cast<char>(0xc3)));
    BOOST_TEST(validUtf8(""));
    BOOST_TEST(validUtf8("plain ascii"));
    BOOST_TEST(validUtf8("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80"));  // 2, 3 and 4 bytes
    BOOST_TEST(validUtf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF
    BOOST_TEST(!validUtf8("\xc0\xaf"));                  // overlong '/'
    BOOST_TEST(!validUtf8("\xe0\x80\xaf"));              // overlong, 3 bytes
    BOOST_TEST(!validUtf8("\xf0\x80\x80\xaf"));          // overlong, 4 bytes
    BOOST_TEST(!validUtf8("\xed\xa0\x80"));              // a surrogate (U+D800)
    BOOST_TEST(!validUtf8("\xf4\x90\x80\x80"));          // above U+10FFFF
    BOOST_TEST(!validUtf8("\xc3"));                      // cut short
    BOOST_TEST(!validUtf8("\xe2\x82"));                  // cut short
    BOOST_TEST(!validUtf8("a\x80" "b"));                 // a lone continuation byte
    BOOST_TEST(!validUtf8("\xc3\x28"));                  // a bad continuation byte
}
