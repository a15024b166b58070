// Command line parsing and correlation candidates.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "cli.h"
#include "config.h"
#include "correlate.h"

using namespace v2v::bounce;

BOOST_AUTO_TEST_CASE(pipe_mode_arguments) {
    std::ostringstream err;
    auto o = parseOptions({"-c", "/etc/v2v/x.yaml", "", "bounce+ID-0@b.test"}, err);
    BOOST_REQUIRE(o);
    BOOST_TEST(o->configFile == "/etc/v2v/x.yaml");
    BOOST_TEST(o->sender.empty());
    BOOST_TEST(o->recipient == "bounce+ID-0@b.test");
    BOOST_TEST(!o->parseOnly);
}

BOOST_AUTO_TEST_CASE(parse_only_and_info_options) {
    std::ostringstream err;
    auto o = parseOptions({"--parse-only"}, err);
    BOOST_REQUIRE(o);
    BOOST_TEST(o->parseOnly);
    BOOST_TEST(o->configFile == "/etc/v2v/v2v.yaml");
    BOOST_TEST(parseOptions({"--help"}, err)->help);
    BOOST_TEST(parseOptions({"-V"}, err)->version);
    BOOST_TEST(parseOptions({"--config=/x.yaml", "--parse-only"}, err)->configFile == "/x.yaml");
}

BOOST_AUTO_TEST_CASE(bad_command_lines_are_refused) {
    std::ostringstream err;
    BOOST_TEST(!parseOptions({}, err));
    BOOST_TEST(!parseOptions({"only-one"}, err));
    BOOST_TEST(!parseOptions({"--parse-only", "a", "b"}, err));
    BOOST_TEST(!parseOptions({"-c"}, err));
    BOOST_TEST(!parseOptions({"--bogus", "a", "b"}, err));
    BOOST_TEST(err.str().find("usage:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(candidates_strongest_first) {
    const std::string id1 = "01HZX5K2M3N4P5Q6R7S8T9V0WX", id2 = "01HZX5K2M3N4P5Q6R7S8T9V0WY";
    ReportHints h;
    h.envid = id2 + "-3";
    h.returnPaths = {"bounce+" + id1 + "-1@other.test", "bounce+" + id2 + "-4@b.test"};
    h.messageIds = {id1 + "@example.test", "not-a-ulid@example.test"};
    h.internalIds = {id2};
    auto c = correlationCandidates("bounce+" + id1 + "-2@b.test", h, VerpKeys{"bounce", "b.test"});
    BOOST_REQUIRE(c.size() == 5u);
    BOOST_TEST(c[0].source == "verp");
    BOOST_TEST(c[0].emailId == id1);
    BOOST_TEST(*c[0].index == 2);
    BOOST_TEST(c[1].source == "envid");
    BOOST_TEST(*c[1].index == 3);
    BOOST_TEST(c[2].source == "return-path");  // the other.test one is not our bounce domain
    BOOST_TEST(*c[2].index == 4);
    BOOST_TEST(c[3].source == "message-id");
    BOOST_TEST(!c[3].index);
    BOOST_TEST(c[4].source == "header");
    BOOST_TEST(correlationCandidates("bounce+x@b.test", ReportHints{}, VerpKeys{"bounce", "b.test"}).empty());
}

BOOST_AUTO_TEST_CASE(man_page_documents_keys_exit_codes_and_options) {
    std::ifstream in(std::string(V2V_SRCDIR) + "/man/v2v-bounce-parser.8");
    BOOST_REQUIRE(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string page = ss.str();
    for (std::size_t p; (p = page.find("\\-")) != std::string::npos;) page.replace(p, 2, "-");
    int keys = 0;
    for (const auto& k : v2v::configKeys()) {
        if (k.path.rfind("bounce_parser.", 0) != 0) continue;
        ++keys;
        BOOST_TEST(page.find(k.path) != std::string::npos, "v2v-bounce-parser(8) does not document " << k.path);
        BOOST_TEST(page.find("default " + k.default_value) != std::string::npos,
                   "v2v-bounce-parser(8) does not give the default of " << k.path);
    }
    BOOST_TEST(keys >= 2);
    for (const char* needle : {".SH DIAGNOSTICS", ".B 0\n", ".B 75\n", ".B 78\n", ".SH SECURITY", "user=v2v-bounce",
                               "v2v-bounce unix", "transport_maps", ".SH REASONS", "--parse-only", "--help",
                               "--version", "-c"})
        BOOST_TEST(page.find(needle) != std::string::npos, "v2v-bounce-parser(8) lacks " << needle);
    // Every option of the usage text is in the page.
    for (const char* opt : {"--config", "--parse-only", "--help", "--version"}) {
        BOOST_TEST(usageText().find(opt) != std::string::npos);
        BOOST_TEST(page.find(opt) != std::string::npos);
    }
}
