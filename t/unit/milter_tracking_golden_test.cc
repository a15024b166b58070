// Golden files of the tracking rewrite (t/data/tracking/README): each NAME.in
// goes through a whole milter Session as outbound mail from the gateway
// (recipient 2 of email 01HV5ZK6Q8R3G2F7XW9Y0ABCDE) and must come out as
// NAME.out, byte for byte, with valid DKIM signatures. malformed-*.in must
// come out with the body the milter received. Set V2V_UPDATE_GOLDEN=1 to
// rewrite the .out files (then read the diff).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dkim_lib.h"
#include "dkim_verify.h"
#include "milter_tracking_fixtures.h"

using namespace milter_test;
namespace fs = std::filesystem;

namespace {

std::string goldenDir() { return std::string(V2V_SRCDIR) + "/t/data/tracking"; }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> cases() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(goldenDir()))
        if (e.path().extension() == ".in") out.push_back(e.path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Lines of the final message: at most 998 octets; a rewritten body is 7-bit.
void checkShape(const std::string& name, const Message& out, bool rewritten) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= out.body.size(); ++i)
        if (i == out.body.size() || out.body[i] == '\n') {
            BOOST_CHECK_MESSAGE(i - start <= 999, name << ": line over 998 octets");
            start = i + 1;
        }
    if (rewritten)
        for (unsigned char c : out.body) BOOST_REQUIRE_MESSAGE(c < 128, name << ": 8-bit byte in a rewritten body");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(milter_tracking_golden)

BOOST_AUTO_TEST_CASE(golden_files) {
    auto plain = trackingRuntime();
    auto textLinks = trackingRuntime("    text_links: true\n");
    bool update = std::getenv("V2V_UPDATE_GOLDEN") != nullptr;
    auto names = cases();
    BOOST_REQUIRE_GE(names.size(), 20u);
    for (const auto& name : names) {
        BOOST_TEST_CONTEXT("case " << name) {
            const auto& r = name.rfind("text-links", 0) == 0 ? textLinks : plain;
            Message in = parseMessage(slurp(goldenDir() + "/" + name + ".in"));
            Tracked t = runTracked(r, in);
            BOOST_TEST((t.run.eom == Verdict::cont));
            // Signatures carry the signing time: verified below, not compared.
            Message shown = t.out;
            shown.headers.erase(std::remove_if(shown.headers.begin(), shown.headers.end(),
                                               [](const Header& h) { return iequals(h.name, "DKIM-Signature"); }),
                                shown.headers.end());
            std::string got = messageText(shown);
            fs::path outPath = goldenDir() + "/" + name + ".out";
            if (update) std::ofstream(outPath, std::ios::binary) << got;
            BOOST_REQUIRE_MESSAGE(fs::exists(outPath), outPath << " missing (V2V_UPDATE_GOLDEN=1 makes it)");
            BOOST_TEST(got == slurp(outPath));
            checkShape(name, t.out, t.io.bodyReplaced);
            if (name.rfind("malformed", 0) == 0 || name.rfind("untouched", 0) == 0) {
                BOOST_TEST(!t.io.bodyReplaced);
                BOOST_TEST(t.out.body == in.body);  // byte-identical
            } else {
                BOOST_TEST(t.io.bodyReplaced);
            }
            DkimVerifier v(*r->dkim, "golden");
            v.headers(t.out.headers);
            v.body(t.out.body);
            auto results = v.finish();
            BOOST_REQUIRE(results.size() == 2u);
            BOOST_TEST(results[0].result == "pass");
            BOOST_TEST(results[1].result == "pass");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
