// Addresses, CIDR lists and the inbound/outbound decision.
#include <boost/test/unit_test.hpp>
#include <sys/socket.h>

#include "config.h"
#include "direction.h"
#include "network.h"

using namespace v2v::milter;

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(parses_addresses) {
    BOOST_TEST(parseIp("192.0.2.1")->str() == "192.0.2.1");
    BOOST_TEST(parseIp("2001:db8::1")->str() == "2001:db8::1");
    BOOST_TEST(parseIp("IPv6:2001:db8::1")->str() == "2001:db8::1");
    auto mapped = parseIp("::ffff:192.0.2.7");
    BOOST_REQUIRE(mapped);
    BOOST_TEST(mapped->family == AF_INET);
    BOOST_TEST(mapped->str() == "192.0.2.7");
    BOOST_TEST(!parseIp(""));
    BOOST_TEST(!parseIp("192.0.2"));
    BOOST_TEST(!parseIp("example.test"));
    BOOST_TEST(!parseIp("1.2.3.4\n"));
    BOOST_TEST(!parseIp(std::string(200, '1')));
}

BOOST_AUTO_TEST_CASE(cidr_matching) {
    auto n = parseNetwork("10.1.2.3/8");
    BOOST_TEST(n.base.str() == "10.0.0.0");
    BOOST_TEST(n.contains(*parseIp("10.255.0.1")));
    BOOST_TEST(!n.contains(*parseIp("11.0.0.1")));
    BOOST_TEST(!n.contains(*parseIp("::ffff:11.0.0.1")));
    BOOST_TEST(n.contains(*parseIp("::ffff:10.0.0.1")));
    auto odd = parseNetwork("192.0.2.128/25");
    BOOST_TEST(odd.contains(*parseIp("192.0.2.200")));
    BOOST_TEST(!odd.contains(*parseIp("192.0.2.127")));
    auto v6 = parseNetwork("2001:db8::/32");
    BOOST_TEST(v6.contains(*parseIp("2001:db8:ffff::1")));
    BOOST_TEST(!v6.contains(*parseIp("2001:db9::1")));
    BOOST_TEST(!v6.contains(*parseIp("10.0.0.1")));
    BOOST_TEST(parseNetwork("0.0.0.0/0").contains(*parseIp("203.0.113.9")));
    BOOST_TEST(parseNetwork("::ffff:10.0.0.0/104").contains(*parseIp("10.9.9.9")));
    auto host = parseNetwork("::1");
    BOOST_TEST(host.bits == 128);
    BOOST_TEST(host.contains(*parseIp("::1")));
    BOOST_CHECK_THROW(parseNetwork("10.0.0.0/33"), std::invalid_argument);
    BOOST_CHECK_THROW(parseNetwork("10.0.0.0/"), std::invalid_argument);
    BOOST_CHECK_THROW(parseNetwork("10.0.0.0/-1"), std::invalid_argument);
    BOOST_CHECK_THROW(parseNetwork("nowhere/8"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(list_errors_name_the_key) {
    try {
        NetworkList::parse({"127.0.0.0/8", "300.1.1.1"}, "milter.spf.bypass_networks");
        BOOST_FAIL("no error");
    } catch (const v2v::ConfigError& e) {
        BOOST_TEST(std::string(e.what()).find("milter.spf.bypass_networks[1]: ") == 0u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(direction)

namespace {
DirectionPolicy policy() {
    DirectionPolicy p;
    p.internalNetworks = NetworkList::parse({"127.0.0.0/8", "::1/128", "10.0.0.0/8"}, "x");
    p.authenticated = true;
    p.daemonNames = {"ORIGINATING"};
    return p;
}
ClientInfo client(const char* ip) {
    ClientInfo c;
    c.addr = parseIp(ip);
    return c;
}
}  // namespace

BOOST_AUTO_TEST_CASE(internal_networks_are_outbound) {
    BOOST_TEST((decideDirection(client("127.0.0.1"), policy()).direction == Direction::outbound));
    BOOST_TEST(decideDirection(client("10.20.30.40"), policy()).reason == "internal network");
    BOOST_TEST((decideDirection(client("::1"), policy()).direction == Direction::outbound));
    BOOST_TEST((decideDirection(client("198.51.100.7"), policy()).direction == Direction::inbound));
    BOOST_TEST((decideDirection(ClientInfo{}, policy()).direction == Direction::inbound));
}

BOOST_AUTO_TEST_CASE(authenticated_clients_are_outbound_when_enabled) {
    ClientInfo c = client("198.51.100.7");
    c.authUser = "alice";
    BOOST_TEST((decideDirection(c, policy()).direction == Direction::outbound));
    BOOST_TEST(decideDirection(c, policy()).reason == "authenticated");
    DirectionPolicy p = policy();
    p.authenticated = false;
    BOOST_TEST((decideDirection(c, p).direction == Direction::inbound));
}

BOOST_AUTO_TEST_CASE(daemon_names_are_outbound) {
    ClientInfo c = client("198.51.100.7");
    c.daemonName = "ORIGINATING";
    BOOST_TEST((decideDirection(c, policy()).direction == Direction::outbound));
    c.daemonName = "originating";  // Postfix passes the configured spelling: exact match
    BOOST_TEST((decideDirection(c, policy()).direction == Direction::inbound));
}

BOOST_AUTO_TEST_CASE(local_submission_is_outbound_even_with_no_internal_networks) {
    DirectionPolicy p;  // loopback is external in this policy
    ClientInfo c = client("127.0.0.1");
    BOOST_TEST((decideDirection(c, p).direction == Direction::inbound));
    c.localSubmission = isLocalSubmission("localhost", c.addr, 0);
    BOOST_TEST(c.localSubmission);
    BOOST_TEST((decideDirection(c, p).direction == Direction::outbound));
    BOOST_TEST(decideDirection(c, p).reason == "local submission");
}

BOOST_AUTO_TEST_CASE(local_submission_needs_port_zero_localhost_loopback) {
    BOOST_TEST(!isLocalSubmission("localhost", parseIp("127.0.0.1"), 25));
    BOOST_TEST(!isLocalSubmission("localhost", parseIp("192.0.2.1"), 0));
    BOOST_TEST(!isLocalSubmission("client.example", parseIp("127.0.0.1"), 0));
    BOOST_TEST(!isLocalSubmission("localhost", std::nullopt, 0));
    BOOST_TEST(isLocalSubmission("localhost", parseIp("::1"), 0));
}

BOOST_AUTO_TEST_SUITE_END()
