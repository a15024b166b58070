// Answers written straight to a client's socket (gateway/raw_answer.h): the
// bytes on the wire, and what happens when the client has gone or stopped reading.
#include <boost/test/unit_test.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "raw_answer.h"
#include "socket_pair.h"

using namespace v2v::gw;

using Pair = SocketPair;

BOOST_AUTO_TEST_SUITE(raw_answer)

BOOST_AUTO_TEST_CASE(the_answer_is_a_complete_http_message) {
    const std::string body = "{\"id\":\"x\"}\n";
    const std::string a = rawAnswer("HTTP/1.1", 202, "Accepted",
                                    {{"X-RateLimit-Limit", "10"}, {"Connection", "Keep-Alive"}}, body);
    BOOST_TEST(a ==
               "HTTP/1.1 202 Accepted\r\nX-RateLimit-Limit: 10\r\nConnection: Keep-Alive\r\n"
               "Content-Length: 11\r\n\r\n{\"id\":\"x\"}\n");
    BOOST_TEST(rawAnswer("HTTP/1.0", 503, "Service Unavailable", {}, "") ==
               "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(an_answer_reaches_the_client_whole) {
    Pair p;
    const std::string a = rawAnswer("HTTP/1.1", 200, "OK", {}, std::string(300, 'b'));
    BOOST_TEST(static_cast<int>(writeRawAnswer(p.fd[0], a)) == static_cast<int>(RawWrite::sent));
    BOOST_TEST(p.readAll(a.size()) == a);
}

BOOST_AUTO_TEST_CASE(a_closed_client_is_gone_without_a_signal) {
    Pair p;
    ::close(p.fd[1]);
    p.fd[1] = -1;
    // MSG_NOSIGNAL: a SIGPIPE here would end the test program.
    BOOST_TEST(static_cast<int>(writeRawAnswer(p.fd[0], "HTTP/1.1 200 OK\r\n\r\n")) ==
               static_cast<int>(RawWrite::gone));
}

BOOST_AUTO_TEST_CASE(a_client_not_reading_gets_its_connection_shut_down) {
    Pair p;
    int size = 4096;
    ::setsockopt(p.fd[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    const std::string chunk(1 << 16, 'x');
    RawWrite r = RawWrite::sent;
    for (int i = 0; i < 1000 && r == RawWrite::sent; ++i) r = writeRawAnswer(p.fd[0], chunk);
    BOOST_TEST(static_cast<int>(r) == static_cast<int>(RawWrite::stuck));
    // Shut down: the client reads what was sent, then end of file; nothing more goes out.
    char buf[1 << 16];
    ssize_t n;
    std::size_t total = 0;
    while ((n = ::read(p.fd[1], buf, sizeof buf)) > 0) total += static_cast<std::size_t>(n);
    BOOST_TEST(n == 0);
    BOOST_TEST(total > 0u);
    errno = 0;
    BOOST_TEST(::send(p.fd[0], "y", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == -1);
    BOOST_TEST(errno == EPIPE);
}

BOOST_AUTO_TEST_SUITE_END()
