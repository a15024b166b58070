// Hostile input: every parse finishes, bounded, without crashing; limits on
// size, nesting depth, part count and line length hold.
#include <boost/test/unit_test.hpp>

#include <random>
#include <sstream>
#include <string>

#include "mime.h"
#include "parser.h"

using namespace v2v::bounce;

BOOST_AUTO_TEST_CASE(deep_nesting_is_cut) {
    std::string msg = "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n";
    std::string tail;
    for (int i = 0; i < 200; ++i) {
        msg += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=b" + std::to_string(i + 1) + "\n\n";
        tail = "--b" + std::to_string(i) + "--\n" + tail;
    }
    // The innermost part is encoded: beyond the depth limit it is never decoded.
    msg += "--b200\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nREVFUEVTVCBURVhU\n--b200--\n" + tail;
    MimeLimits limits;
    auto r = readReport(msg, limits);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->body.find("DEEPEST TEXT") == std::string::npos);  // beyond maxDepth: not decoded
    BOOST_TEST(parseReport(msg).readable);
}

BOOST_AUTO_TEST_CASE(part_count_is_capped) {
    std::string msg = "Subject: many\nContent-Type: multipart/mixed; boundary=B\n\n";
    for (int i = 0; i < 5000; ++i) msg += "--B\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
    msg += "--B--\n";
    MimeLimits limits;
    limits.maxParts = 100;
    auto r = readReport(msg, limits);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->body.find("part 99\n") != std::string::npos);
    BOOST_TEST(r->body.find("part 100\n") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_lines_are_cut) {
    std::string msg = "Subject: Undelivered Mail Returned to Sender\n\n" + std::string(200000, 'x') + "\n";
    MimeLimits limits;
    auto r = readReport(msg, limits);
    BOOST_REQUIRE(r);
    std::size_t longest = 0, run = 0;
    for (char c : r->body) {
        run = c == '\n' ? 0 : run + 1;
        longest = std::max(longest, run);
    }
    BOOST_TEST(longest <= limits.maxLine);
}

BOOST_AUTO_TEST_CASE(output_size_is_capped) {
    std::string msg = "Subject: big\nContent-Type: multipart/mixed; boundary=B\n\n";
    for (int i = 0; i < 50; ++i) msg += "--B\nContent-Type: text/plain\n\n" + std::string(100000, 'y') + "\n";
    MimeLimits limits;
    limits.maxOutput = 1 << 20;
    auto r = readReport(msg, limits);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->body.size() <= limits.maxOutput + limits.maxLine + 200000);
}

BOOST_AUTO_TEST_CASE(header_injection_stays_in_its_field) {
    // A folded value never creates a second field, and CR alone is a line end.
    auto r = readReport("Subject: a\r\n\tb\rX-Injected: yes\n\nbody\n");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->head.get("subject") == "a b");
    BOOST_TEST(r->head.get("x-injected") == "yes");  // a real line end: a real field
    ParsedReport p = parseReport("Subject: x\n\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\n");
    BOOST_TEST(p.readable);
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> byte(0, 255), len(0, 4000);
    static const char* pieces[] = {"\n",           "\r\n",        "Content-Type: multipart/report; boundary=x\n",
                                   "--x\n",        "--x--\n",     "Final-Recipient: rfc822; a@b.c\n",
                                   "Status: 5.1.1\n", "Action: failed\n", "Diagnostic-Code: smtp; 550 x\n",
                                   "=?utf-8?B?", "?=",           "Content-Transfer-Encoding: base64\n",
                                   "Subject: Undelivered Mail Returned to Sender\n", "<a@b>:\n", ": \n"};
    for (int round = 0; round < 300; ++round) {
        std::string s = "Subject: x\n";
        int n = len(rng);
        for (int i = 0; i < n; ++i) {
            if (byte(rng) < 40)
                s += pieces[byte(rng) % (sizeof pieces / sizeof *pieces)];
            else
                s += static_cast<char>(byte(rng));
        }
        ParsedReport p = parseReport(s);
        for (const auto& r : p.records) BOOST_TEST(!r.recipient.empty());
    }
}
