// Shared operations code in lib/: audit log, Prometheus helpers, DKIM key table.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <prometheus/exposer.h>

#include <prometheus/counter.h>

#include "audit.h"
#include "dkim_key_table.h"
#include "metrics.h"
#include "ops_fixtures.h"

using namespace v2v;

BOOST_AUTO_TEST_SUITE(audit_log)

BOOST_AUTO_TEST_CASE(line_starts_with_the_time_and_keeps_field_order) {
    nlohmann::ordered_json r;
    r["source"] = "v2vctl";
    r["command"] = "client add";
    r["ts"] = "ignored";
    std::string line = auditLine(1795820000123, r);
    BOOST_TEST(line == R"({"ts":"2026-11-27T22:53:20.123Z","source":"v2vctl","command":"client add"})");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced_not_thrown) {
    nlohmann::ordered_json r;
    r["path"] = std::string("/a\xff\xfe");
    BOOST_CHECK_NO_THROW(auditLine(0, r));
}

BOOST_AUTO_TEST_CASE(appends_lines_and_reopens_after_rotation) {
    ops_test::TempDir d;
    AuditLog log(d.path("audit.log"));
    std::string err;
    BOOST_REQUIRE(log.open(err));
    const std::int64_t t0 = 1800000000000;
    BOOST_TEST(log.writeAt(t0, {{"n", 1}}));
    BOOST_TEST(::rename(d.path("audit.log").c_str(), d.path("audit.log.1").c_str()) == 0);
    // Within the second: still the open (renamed) file; nothing is lost.
    BOOST_TEST(log.writeAt(t0 + AuditLog::kRotationCheckMs - 1, {{"n", 2}}));
    BOOST_TEST(log.writeAt(t0 + AuditLog::kRotationCheckMs, {{"n", 3}}));
    std::string old = ops_test::readFile(d.path("audit.log.1"));
    std::string now = ops_test::readFile(d.path("audit.log"));
    BOOST_TEST(std::count(old.begin(), old.end(), '\n') == 2);
    BOOST_TEST(old.find("\"n\":2") != std::string::npos);
    BOOST_TEST(now.find("\"n\":3") != std::string::npos);
    BOOST_TEST(std::count(now.begin(), now.end(), '\n') == 1);
    struct stat st {};
    BOOST_REQUIRE(::stat(d.path("audit.log").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0007) == 0u);  // never world-readable
}

BOOST_AUTO_TEST_CASE(unwritable_path_reports_an_error) {
    AuditLog log("/nonexistent-dir/audit.log");
    std::string err;
    BOOST_TEST(!log.open(err));
    BOOST_TEST(err.find("/nonexistent-dir/audit.log") != std::string::npos);
    BOOST_TEST(!log.write({{"n", 1}}));
    AuditLog off;
    BOOST_TEST(!off.enabled());
    BOOST_TEST(off.write({{"n", 1}}));  // off: nothing to do
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(prometheus_helpers)

BOOST_AUTO_TEST_CASE(safe_labels) {
    BOOST_TEST(metrics::safeLabel("userunknown") == "userunknown");
    BOOST_TEST(metrics::safeLabel("a.b-c_d9") == "a.b-c_d9");
    BOOST_TEST(metrics::safeLabel("") == "other");
    BOOST_TEST(metrics::safeLabel("x\"} 1\nevil 2") == "other");
    BOOST_TEST(metrics::safeLabel(std::string(65, 'a'), "long") == "long");
}

BOOST_AUTO_TEST_CASE(exposition_has_families_and_process_metrics) {
    auto reg = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter().Name("v2v_test_total").Help("test").Register(*reg).Add({{"k", "v"}}).Increment(3);
    std::string text = metrics::exposition({reg, metrics::processCollector("v2v-test")});
    BOOST_TEST(text.find("# TYPE v2v_test_total counter") != std::string::npos);
    BOOST_TEST(text.find("v2v_test_total{k=\"v\"} 3") != std::string::npos);
    for (const char* m : {"process_cpu_seconds_total", "process_start_time_seconds", "process_resident_memory_bytes",
                          "process_open_fds", "v2v_build_info{program=\"v2v-test\""})
        BOOST_TEST(text.find(m) != std::string::npos, m);
}

// GET /metrics over a real socket; returns the whole HTTP answer.
std::string httpGet(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
        if (::send(fd, req, sizeof req - 1, 0) > 0) {
            char buf[4096];
            for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return out;
}

BOOST_AUTO_TEST_CASE(separate_listener_serves_and_refuses_a_bad_address) {
    auto reg = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter().Name("v2v_listener_total").Help("t").Register(*reg).Add({}).Increment();
    auto l = metrics::listen("127.0.0.1:0", {reg, metrics::processCollector("v2v-test")});
    BOOST_REQUIRE(!l->GetListeningPorts().empty());
    std::string answer = httpGet(l->GetListeningPorts().front());
    BOOST_TEST(answer.find("200 OK") != std::string::npos);
    BOOST_TEST(answer.find("v2v_listener_total 1") != std::string::npos);
    BOOST_TEST(answer.find("process_open_fds") != std::string::npos);
    BOOST_CHECK_THROW(metrics::listen("256.1.1.1:1", {reg}), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dkim_key_table)

BOOST_AUTO_TEST_CASE(parses_and_formats) {
    auto t = parseKeyTable(
        "# comment\n\nExample.COM s1 rsa-sha256 /k/s1.pem 2026-12-01  # old\nexample.com e1 ed25519-sha256 /k/e1.pem\n",
        "keys");
    BOOST_REQUIRE(t.size() == 2u);
    BOOST_TEST(t[0].domain == "example.com");
    BOOST_TEST(t[0].retire_after == "2026-12-01");
    BOOST_TEST(t[1].algorithm == "ed25519-sha256");
    BOOST_TEST(t[1].retire_after.empty());
    auto again = parseKeyTable(formatKeyTable(t), "keys");
    BOOST_TEST(formatKeyTable(again) == formatKeyTable(t));
}

BOOST_AUTO_TEST_CASE(bad_lines_name_file_and_line) {
    auto err = [](const std::string& text) {
        try {
            parseKeyTable(text, "f");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(err("a.test s1 rsa-sha1 /k\n").find("f:1: algorithm") != std::string::npos);
    BOOST_TEST(err("a.test s1 rsa-sha256 k.pem\n").find("absolute") != std::string::npos);
    BOOST_TEST(err("a.test s1 rsa-sha256 /k 2026-02-30\n").find("RETIRE_AFTER") != std::string::npos);
    BOOST_TEST(err("\na.test s1 rsa-sha256 /k\nA.test s1 rsa-sha256 /j\n").find("f:3: selector s1") != std::string::npos);
    BOOST_TEST(err("a.test s1\n").find("expected DOMAIN") != std::string::npos);
    BOOST_TEST(err("a_b.test s1 rsa-sha256 /k\n").find("bad domain") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dates_and_activity) {
    BOOST_TEST(validDay("2028-02-29"));
    BOOST_TEST(!validDay("2027-02-29"));
    BOOST_TEST(!validDay("2026-1-01"));
    BOOST_TEST(addDays("2026-12-30", 3) == "2027-01-02");
    KeyTableEntry e;
    e.retire_after = "2026-12-01";
    BOOST_TEST(keyActive(e, "2026-12-01"));  // the last day it signs
    BOOST_TEST(!keyActive(e, "2026-12-02"));
    e.retire_after.clear();
    BOOST_TEST(keyActive(e, "2099-01-01"));
}

// v2vctl may run from a root shell with umask 077: the milter (another user,
// same group) must still read the table it writes.
BOOST_AUTO_TEST_CASE(key_table_is_group_readable_whatever_the_umask) {
    ops_test::TempDir d;
    std::string path = d.path("keys.table");
    mode_t old = umask(077);
    saveKeyTable(path, {{"a.test", "s1", "rsa-sha256", "/k/s1.pem", ""}});
    umask(old);
    struct stat st {};
    BOOST_REQUIRE(stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0640u);
}

BOOST_AUTO_TEST_CASE(signing_keys_add_active_table_keys_after_the_config) {
    ops_test::TempDir d;
    MilterDkimConfig c;
    c.keys.push_back({"a.test", "cfg", "/k/cfg.pem", "rsa-sha256"});
    c.key_table = d.path("keys.table");
    BOOST_TEST(signingKeys(c, 0).size() == 1u);  // no file yet: empty table
    saveKeyTable(c.key_table, {{"a.test", "old", "rsa-sha256", "/k/old.pem", "2026-01-01"},
                               {"a.test", "new", "ed25519-sha256", "/k/new.pem", ""}});
    auto keys = signingKeys(c, 1767225600);  // 2026-01-01: old still signs
    BOOST_REQUIRE(keys.size() == 3u);
    BOOST_TEST(keys[0].selector == "cfg");
    BOOST_TEST(keys[2].algorithm == "ed25519-sha256");
    keys = signingKeys(c, 1767225600 + 86400);
    BOOST_REQUIRE(keys.size() == 2u);
    BOOST_TEST(keys[1].selector == "new");
}

BOOST_AUTO_TEST_SUITE_END()
