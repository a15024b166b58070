// Config loading: defaults, types, bounds, unknown keys, messages naming file:line: key.
#include <boost/test/unit_test.hpp>

#include "config.h"

using namespace v2v;

namespace {
std::string errorOf(const std::string& yaml) {
    try {
        parseConfig(yaml, "test.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(empty_file_gives_defaults) {
    Config c = parseConfig("", "test.yaml");
    BOOST_TEST(c.database.busy_timeout_ms == 5000);
    BOOST_TEST(c.gateway.listen == "127.0.0.1:8080");
    BOOST_TEST(c.domains.verp_prefix == "bounce");
}

BOOST_AUTO_TEST_CASE(values_are_applied) {
    Config c = parseConfig(
        "database:\n  path: /tmp/x.db\n  busy_timeout_ms: 250\n"
        "gateway:\n  smtp:\n    port: 2525\n  jwt:\n    keys:\n"
        "      - id: k1\n        secret: 0123456789abcdef0123456789abcdef\n"
        "domains:\n  sending: [example.test, other.test]\n"
        "log:\n  syslog: yes\n",
        "test.yaml");
    BOOST_TEST(c.database.path == "/tmp/x.db");
    BOOST_TEST(c.database.busy_timeout_ms == 250);
    BOOST_TEST(c.gateway.smtp.port == 2525);
    BOOST_REQUIRE(c.gateway.jwt.keys.size() == 1u);
    BOOST_TEST(c.gateway.jwt.keys[0].id == "k1");
    BOOST_TEST(c.domains.sending.size() == 2u);
    BOOST_TEST(c.log.to_syslog);
}

BOOST_AUTO_TEST_CASE(unknown_key_is_named) {
    std::string e = errorOf("gateway:\n  smtp:\n    prot: 25\n");
    BOOST_TEST(e == "test.yaml:3: gateway.smtp.prot: unknown key");
    BOOST_TEST(errorOf("nosuchsection:\n  a: 1\n") == "test.yaml:1: nosuchsection: unknown key");
}

BOOST_AUTO_TEST_CASE(wrong_type_is_named) {
    BOOST_TEST(errorOf("gateway:\n  threads: many\n") ==
               "test.yaml:2: gateway.threads: must be an integer in 1..64 (got \"many\")");
    BOOST_TEST(errorOf("gateway:\n  threads: 0\n") ==
               "test.yaml:2: gateway.threads: must be an integer in 1..64 (got \"0\")");
    BOOST_TEST(errorOf("log:\n  stderr: maybe\n") ==
               "test.yaml:2: log.stderr: must be true or false (got \"maybe\")");
    BOOST_TEST(errorOf("log:\n  level: loud\n").find("log.level: must be one of debug") !=
               std::string::npos);
    BOOST_TEST(errorOf("database: 5\n") == "test.yaml:1: database: must be a mapping");
    BOOST_TEST(errorOf("domains:\n  sending: example.test\n") ==
               "test.yaml:2: domains.sending: must be a list of strings");
    BOOST_TEST(errorOf("gateway:\n  listen: nowhere\n") == "test.yaml:2: gateway.listen: must be HOST:PORT");
}

BOOST_AUTO_TEST_CASE(records_are_checked) {
    BOOST_TEST(errorOf("gateway:\n  jwt:\n    keys:\n      - id: k1\n") ==
               "test.yaml:4: gateway.jwt.keys[0]: missing required key secret");
    BOOST_TEST(errorOf("gateway:\n  jwt:\n    keys:\n      - id: k1\n        secret: x\n        extra: 1\n") ==
               "test.yaml:6: gateway.jwt.keys[0].extra: unknown key");
    BOOST_TEST(errorOf("gateway:\n  jwt:\n    keys:\n      - id: k1\n        secret: short\n") ==
               "test.yaml: gateway.jwt.keys[0].secret: must be at least 32 characters");
}

BOOST_AUTO_TEST_CASE(secret_values_never_in_messages) {
    std::string e = errorOf("redis:\n  password: [hunter2]\n");
    BOOST_TEST(e.find("hunter2") == std::string::npos);
    BOOST_TEST(e.find("redis.password") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(syntax_errors_and_duplicates) {
    BOOST_TEST(errorOf("gateway:\n  threads: [1\n").find("test.yaml:") == 0u);
    BOOST_TEST(errorOf("gateway:\n  threads: [1\n").find("YAML syntax error") != std::string::npos);
    BOOST_TEST(errorOf("- a\n- b\n") == "test.yaml: the top level must be a mapping of sections");
}

BOOST_AUTO_TEST_CASE(missing_file) {
    BOOST_CHECK_THROW(loadConfig("/nonexistent/v2v.yaml"), ConfigError);
}
