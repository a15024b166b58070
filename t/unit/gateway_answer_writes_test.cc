// The answers of a batch written together (gateway/answer_writes.h): through
// io_uring where the kernel allows it, one send(2) each otherwise. Every case
// runs both ways and must come out the same.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

#include "answer_writes.h"
#include "socket_pair.h"

namespace v2v::gw {
// How each data case is named in Boost.Test's messages.
std::ostream& operator<<(std::ostream& o, AnswerWrites::Via v) {
    return o << (v == AnswerWrites::Via::one_by_one ? "one_by_one" : "ring_when_possible");
}
}  // namespace v2v::gw

using namespace v2v::gw;
namespace data = boost::unit_test::data;

namespace {
const AnswerWrites::Via kWays[] = {AnswerWrites::Via::ring_when_possible, AnswerWrites::Via::one_by_one};

using Pair = SocketPair;

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }
int code(RawWrite r) { return static_cast<int>(r); }
}  // namespace

BOOST_AUTO_TEST_SUITE(answer_writes)

BOOST_DATA_TEST_CASE(each_answer_reaches_its_own_client_whole_when_flushed, data::make(kWays), via) {
    Pair a, b, c;
    AnswerWrites w(via);
    const int fa = a.dup(), fb = b.dup(), fc = c.dup();
    w.add(fa, "HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\n\r\naaa", "POST /a");
    w.add(fb, std::string(5000, 'b'), "POST /b");
    w.add(fc, "c", "POST /c");
    BOOST_TEST(a.readAvailable().empty());  // nothing goes out before the flush
    const std::vector<RawWrite> r = w.flush();
    BOOST_TEST(r.size() == 3u);
    for (RawWrite x : r) BOOST_TEST(code(x) == code(RawWrite::sent));
    BOOST_TEST(a.readAvailable() == "HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\n\r\naaa");
    BOOST_TEST(b.readAvailable() == std::string(5000, 'b'));
    BOOST_TEST(c.readAvailable() == "c");
    // The duplicates are closed; the connections themselves stay open.
    BOOST_TEST(!isOpen(fa));
    BOOST_TEST(!isOpen(fb));
    BOOST_TEST(!isOpen(fc));
    BOOST_TEST(isOpen(a.fd[0]));
    BOOST_TEST(w.flush().empty());  // flushed once: nothing is written twice
}

BOOST_DATA_TEST_CASE(the_end_of_the_scope_writes_what_is_left, data::make(kWays), via) {
    Pair a;
    BOOST_TEST(AnswerWrites::current() == nullptr);
    {
        AnswerWrites w(via);
        BOOST_TEST(AnswerWrites::current() == &w);
        {
            AnswerWrites inner(via);
            BOOST_TEST(AnswerWrites::current() == &inner);
        }
        BOOST_TEST(AnswerWrites::current() == &w);
        w.add(a.dup(), "late", "GET /x");
    }
    BOOST_TEST(AnswerWrites::current() == nullptr);
    BOOST_TEST(a.readAvailable() == "late");
}

BOOST_DATA_TEST_CASE(a_client_that_has_gone_is_sent_nothing_and_the_others_still_are, data::make(kWays), via) {
    Pair gone, here;
    ::close(gone.fd[1]);
    gone.fd[1] = -1;
    AnswerWrites w(via);
    w.add(gone.dup(), "for nobody", "POST /gone");
    w.add(here.dup(), "for you", "POST /here");
    const std::vector<RawWrite> r = w.flush();  // MSG_NOSIGNAL: no SIGPIPE ends the test program
    BOOST_TEST(code(r[0]) == code(RawWrite::gone));
    BOOST_TEST(code(r[1]) == code(RawWrite::sent));
    BOOST_TEST(here.readAvailable() == "for you");
}

BOOST_DATA_TEST_CASE(a_client_not_reading_gets_its_connection_shut_down, data::make(kWays), via) {
    Pair p;
    int size = 4096;
    ::setsockopt(p.fd[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    AnswerWrites w(via);
    // More than the socket takes: written in part (or not at all) -> shut down,
    // never blocking the answering thread nor sending the rest later.
    w.add(p.dup(), std::string(1 << 20, 'x'), "POST /slow");
    const std::vector<RawWrite> r = w.flush();
    BOOST_TEST(code(r[0]) == code(RawWrite::stuck));
    char buf[1 << 16];
    ssize_t n;
    std::size_t total = 0;
    while ((n = ::read(p.fd[1], buf, sizeof buf)) > 0) total += static_cast<std::size_t>(n);
    BOOST_TEST(n == 0);  // end of file: the connection was shut down
    BOOST_TEST(total < std::size_t{1} << 20);
}

BOOST_DATA_TEST_CASE(more_answers_than_the_ring_holds_all_go_out, data::make(kWays), via) {
    std::vector<Pair> pairs(150);
    AnswerWrites w(via);
    for (std::size_t i = 0; i < pairs.size(); ++i) w.add(pairs[i].dup(), "answer " + std::to_string(i), "GET /n");
    const std::vector<RawWrite> r = w.flush();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        BOOST_TEST(code(r[i]) == code(RawWrite::sent));
        BOOST_TEST(pairs[i].readAvailable() == "answer " + std::to_string(i));
    }
}

BOOST_AUTO_TEST_SUITE_END()
