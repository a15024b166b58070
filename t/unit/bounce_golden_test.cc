// Golden files: t/data/bounce/NAME.eml parsed with --parse-only semantics must
// give exactly NAME.jsonl (one JSON object per recipient). The expected files
// were checked by hand and against Sisimai 4.25 where it reads the format.
#include <boost/test/unit_test.hpp>

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "correlate.h"
#include "mime.h"
#include "output.h"
#include "parser.h"

using namespace v2v::bounce;

namespace {
const std::string kDir = std::string(V2V_SRCDIR) + "/t/data/bounce/";

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> samples() {
    std::vector<std::string> out;
    if (DIR* d = opendir(kDir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 4 && n.compare(n.size() - 4, 4, ".eml") == 0) out.push_back(n.substr(0, n.size() - 4));
        }
        closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// What --parse-only prints for a raw input.
std::string parseOnly(const std::string& raw) {
    std::string out;
    for (std::string_view m : splitMbox(raw)) {
        ParsedReport p = parseReport(m);
        auto c = correlationCandidates("", p.hints, VerpKeys{});
        std::optional<std::string> id;
        if (!c.empty()) id = c.front().emailId;
        for (const auto& r : p.records) out += recordJsonLine(r, id);
    }
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(golden_files_match) {
    auto names = samples();
    BOOST_REQUIRE_GE(names.size(), 15u);
    for (const auto& n : names) {
        BOOST_TEST_CONTEXT("sample " << n) {
            std::string got = parseOnly(slurp(kDir + n + ".eml"));
            BOOST_TEST(got == slurp(kDir + n + ".jsonl"));
        }
    }
}

BOOST_AUTO_TEST_CASE(line_endings_do_not_change_the_result) {
    // The same report with LF, CRLF and CR-only line ends reads the same.
    std::string lf = slurp(kDir + "postfix-userunknown.eml");
    std::string crlf, cr;
    for (char c : lf) {
        if (c == '\n') {
            crlf += "\r\n";
            cr += '\r';
        } else {
            crlf += c;
            cr += c;
        }
    }
    std::string expected = slurp(kDir + "postfix-userunknown.jsonl");
    BOOST_TEST(parseOnly(crlf) == expected);
    BOOST_TEST(parseOnly(cr) == expected);
    BOOST_TEST(parseOnly("From MAILER-DAEMON Tue Mar  4 10:15:02 2025\n" + lf) == expected);
}

BOOST_AUTO_TEST_CASE(event_kinds) {
    BounceRecord r;
    r.reason = "userunknown";
    r.action = "failed";
    r.status = "5.1.1";
    BOOST_TEST(eventKind(r) == "bounced");
    r.reason = "expired";
    r.action = "delayed";
    r.status = "4.4.1";
    BOOST_TEST(eventKind(r) == "deferred");
    r.status = "5.0.947";  // given up: a bounce even though the reader said "delayed"
    BOOST_TEST(eventKind(r) == "bounced");
    r.reason = "delivered";
    r.action = "relayed";
    BOOST_TEST(eventKind(r) == "delivered");
    r.reason = "feedback";
    BOOST_TEST(eventKind(r) == "complained");
    r.reason = "vacation";
    BOOST_TEST(eventKind(r) == "auto_replied");
}
