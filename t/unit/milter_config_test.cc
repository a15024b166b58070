// milter.* configuration: types and bounds with errors naming the key, what
// Runtime::build checks, the command line, and the man page documenting
// every key (a key missing from v2v-milter(8) fails here).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "cli.h"
#include "engine.h"
#include "milter_fixtures.h"

using namespace milter_test;

namespace {
std::string configError(const std::string& yaml) {
    try {
        parseConfig(yaml, "t.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}
std::string buildError(const std::string& yaml) {
    try {
        runtimeFrom(yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(milter_config)

BOOST_AUTO_TEST_CASE(defaults) {
    Config c;
    BOOST_TEST(c.milter.on_error == "tempfail");
    BOOST_TEST(c.milter.dkim.canonicalization == "relaxed/relaxed");
    BOOST_TEST(c.milter.dkim.oversigned_headers.size() == 3u);
    BOOST_TEST(c.milter.direction.internal_networks.size() == 2u);
    BOOST_TEST(c.milter.spf.fail_action == "reject");
    BOOST_TEST(c.milter.spf.temperror_action == "tempfail");
}

BOOST_AUTO_TEST_CASE(values_are_checked_and_named) {
    BOOST_TEST(configError("milter:\n  socket: /tmp/x.sock\n") ==
               "t.yaml:2: milter.socket: must be unix:/path or inet:PORT@HOST");
    BOOST_TEST(configError("milter:\n  socket: inet:8891@127.0.0.1\n") == "");
    BOOST_TEST(configError("milter:\n  socket_mode: \"0999\"\n") ==
               "t.yaml:2: milter.socket_mode: must be an octal mode such as 0660");
    BOOST_TEST(configError("milter:\n  on_error: ignore\n").find("milter.on_error: must be one of tempfail") !=
               std::string::npos);
    BOOST_TEST(configError("milter:\n  direction:\n    internal_networks: [10.0.0.0/8, 10.0.0.0/40]\n") ==
               "t.yaml:3: milter.direction.internal_networks[1]: prefix length must be 0..32");
    BOOST_TEST(configError("milter:\n  spf:\n    bypass_networks: [mail.example]\n") ==
               "t.yaml:3: milter.spf.bypass_networks[0]: must be an IP address or network (CIDR)");
    BOOST_TEST(configError("milter:\n  dkim:\n    keys:\n      - {domain: a.test, selector: s1}\n") ==
               "t.yaml:4: milter.dkim.keys[0]: missing required key key_file");
    BOOST_TEST(configError("milter:\n  dkim:\n    keys:\n      - {domain: a.test, selector: s1, key_file: /k, "
                           "algorithm: rsa-sha1}\n")
                   .find("milter.dkim.keys[0].algorithm: must be one of rsa-sha256, ed25519-sha256") !=
               std::string::npos);
    BOOST_TEST(configError("milter:\n  dkim:\n    keys:\n      - {domain: a.test, selector: \"s 1\", key_file: /k}\n")
                   .find("milter.dkim.keys[0].selector: must hold only") != std::string::npos);
    BOOST_TEST(configError("milter:\n  dkim:\n    signed_headers: [From, \"Bad:Name\"]\n") ==
               "t.yaml:3: milter.dkim.signed_headers[1]: must be a header field name");
    BOOST_TEST(configError("milter:\n  dkim:\n    users:\n      - {user: alice, domains: [\"a b\"]}\n")
                   .find("milter.dkim.users[0].domains[0]: must be a domain name") != std::string::npos);
    BOOST_TEST(configError("milter:\n  dkim:\n    max_signatures: 0\n") ==
               "t.yaml:3: milter.dkim.max_signatures: must be an integer in 1..50 (got \"0\")");
    BOOST_TEST(configError("milter:\n  spf:\n    fail_action: drop\n").find("milter.spf.fail_action: must be one of") !=
               std::string::npos);
    BOOST_TEST(configError("milter:\n  dkim:\n    sign_domains: true\n") == "t.yaml:3: milter.dkim.sign_domains: unknown key");
}

BOOST_AUTO_TEST_CASE(runtime_checks_name_the_key) {
    BOOST_TEST(buildError(milterYaml("", "    signed_headers: [To, Subject]\n")) ==
               "milter.dkim.signed_headers: must include From (RFC 6376)");
    BOOST_TEST(buildError(milterYaml("  spf:\n    test_zone_file: /nonexistent/zone\n"))
                   .find("milter.spf.test_zone_file: cannot read /nonexistent/zone") == 0u);
    BOOST_TEST(buildError(milterYaml("  spf:\n    test_zone_file: " + dataPath("keys.records") + "\n"))
                   .find("milter.spf.test_zone_file: " + dataPath("keys.records") + ": line 1:") == 0u);
    BOOST_TEST(buildError(milterYaml("", "    users:\n      - {user: a, domains: [x.test]}\n"
                                         "      - {user: a, domains: [y.test]}\n")) ==
               "milter.dkim.users[1].user: a is listed twice");
    BOOST_TEST(buildError(milterYaml("", "    canonicalization: simple/relaxed\n")) ==
               "milter.dkim.canonicalization: simple header canonicalization breaks the ed25519-sha256 "
               "signature of milter.dkim.keys[1] (libopendkim 2.11); use relaxed/relaxed or relaxed/simple");
    BOOST_TEST(buildError(milterYaml("", "    canonicalization: relaxed/simple\n")) == "");
    std::string yaml = milterYaml();
    yaml.replace(yaml.find("rsa2048.pem"), 11, "rsa512.pem");
    BOOST_TEST(buildError(yaml).find("milter.dkim.keys[0].key_file: ") == 0u);
    auto ok = runtimeFrom(milterYaml());
    BOOST_TEST(ok->authservId == "mx.v2v.test");
    BOOST_TEST(ok->preparsedKeys);
    BOOST_TEST(ok->keys.all().size() == 2u);
}

BOOST_AUTO_TEST_CASE(command_line) {
    BOOST_TEST((parseOptions({}).mode == Options::Mode::run));
    BOOST_TEST(parseOptions({}).configFile == "/etc/v2v/v2v.yaml");
    BOOST_TEST(parseOptions({"-c", "/x.yaml"}).configFile == "/x.yaml");
    BOOST_TEST(parseOptions({"--config=/y.yaml", "--check-config"}).configFile == "/y.yaml");
    BOOST_TEST((parseOptions({"--dns-records"}).mode == Options::Mode::dnsRecords));
    BOOST_TEST((parseOptions({"--help"}).mode == Options::Mode::help));
    BOOST_TEST((parseOptions({"--version"}).mode == Options::Mode::version));
    BOOST_CHECK_THROW(parseOptions({"-c"}), std::invalid_argument);
    BOOST_CHECK_THROW(parseOptions({"--bogus"}), std::invalid_argument);
    BOOST_CHECK_THROW(parseOptions({"--help", "--dns-records"}), std::invalid_argument);
    BOOST_TEST(usageText().find("--check-config") != std::string::npos);
    BOOST_TEST(unixSocketPath("unix:/run/m.sock") == "/run/m.sock");
    BOOST_TEST(unixSocketPath("local:/run/m.sock") == "/run/m.sock");
    BOOST_TEST(unixSocketPath("inet:8891@localhost") == "");
}

BOOST_AUTO_TEST_CASE(man_page_documents_every_milter_key) {
    std::ifstream in(std::string(V2V_SRCDIR) + "/man/v2v-milter.8");
    BOOST_REQUIRE(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string page = ss.str();
    // roff escapes: "\-" for '-', "\&." for a leading dot.
    for (std::size_t p; (p = page.find("\\-")) != std::string::npos;) page.replace(p, 2, "-");
    for (std::size_t p; (p = page.find("\\&")) != std::string::npos;) page.erase(p, 2);
    int keys = 0;
    for (const auto& k : configKeys()) {
        if (k.path.rfind("milter.", 0) != 0) continue;
        ++keys;
        BOOST_TEST(page.find(k.path) != std::string::npos, "v2v-milter(8) does not document " << k.path);
        // The default must be shown; a list's elements each.
        std::vector<std::string> parts;
        if (k.type == "list") {
            std::string v = k.default_value.substr(1, k.default_value.size() - 2);
            for (std::size_t p = 0; p < v.size();) {
                std::size_t c = v.find(", ", p);
                parts.push_back(v.substr(p, c == std::string::npos ? std::string::npos : c - p));
                p = c == std::string::npos ? v.size() : c + 2;
            }
        } else {
            parts.push_back(k.default_value);
        }
        for (const auto& part : parts)
            BOOST_TEST(page.find(part) != std::string::npos,
                       "v2v-milter(8) does not show the default of " << k.path << ": " << part);
    }
    BOOST_TEST(keys > 30);
}

BOOST_AUTO_TEST_SUITE_END()
