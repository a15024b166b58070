// Address parsing shared by the programs.
#include <boost/test/unit_test.hpp>

#include "address.h"

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
