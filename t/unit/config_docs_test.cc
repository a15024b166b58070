// Documentation must match the declared keys: etc/v2v.yaml is exactly the
// generated example, and v2v.yaml(5) lists every key (man/update-config-docs).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "config.h"

using namespace v2v;

namespace {
std::string readFile(const std::string& rel) {
    std::ifstream in(std::string(V2V_SRCDIR) + "/" + rel, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot read " + rel);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
std::string roff(std::string s) {
    std::string out;
    for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(example_file_is_complete_and_valid) {
    std::string text = readFile("etc/v2v.yaml");
    BOOST_TEST(text == configExampleYaml(), "etc/v2v.yaml is stale: run man/update-config-docs");
    BOOST_CHECK_NO_THROW(parseConfig(text, "etc/v2v.yaml"));
}

BOOST_AUTO_TEST_CASE(man_page_lists_every_key) {
    std::string page = readFile("man/v2v.yaml.5");
    for (const auto& k : configKeys())
        BOOST_TEST(page.find(".B " + roff(k.path) + "\n") != std::string::npos,
                   "v2v.yaml(5) misses " << k.path << ": run man/update-config-docs");
}
