// v2vctl's testable parts: CSV, database backup and pruning, dead letters,
// key generation (checked with the milter's own key code), audit records.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <sstream>

#include "csv.h"
#include "ctl_common.h"
#include "db_ops.h"
#include "dead_letters.h"
#include "dkim_keygen.h"
#include "dkim_keys.h"
#include "ops_fixtures.h"

using namespace v2v;
using namespace v2v::ctl;

BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(round_trip_with_quotes_commas_and_newlines) {
    std::vector<std::string> row = {"plain", "a,b", "say \"hi\"", "two\nlines", ""};
    std::istringstream in(csvRow(row) + csvRow({"x"}));
    CsvReader r(in);
    auto a = r.next();
    BOOST_REQUIRE(a);
    BOOST_TEST(*a == row);
    BOOST_TEST(r.line() == 1);
    auto b = r.next();
    BOOST_REQUIRE(b);
    BOOST_TEST(b->size() == 1u);
    BOOST_TEST(r.line() == 3);  // the quoted newline counted
    BOOST_TEST(!r.next());
}

BOOST_AUTO_TEST_CASE(lf_and_crlf_and_last_line_without_newline) {
    std::istringstream in("a,b\r\nc,d\ne,f");
    CsvReader r(in);
    BOOST_TEST(r.next()->at(1) == "b");
    BOOST_TEST(r.next()->at(0) == "c");
    BOOST_TEST(r.next()->at(1) == "f");
    BOOST_TEST(!r.next());
}

BOOST_AUTO_TEST_CASE(hostile_input_is_refused_with_its_line) {
    auto lineOf = [](const std::string& text, std::size_t maxField = 4096) {
        std::istringstream in(text);
        CsvReader r(in, maxField, 4);
        try {
            while (r.next()) {
            }
        } catch (const CsvError& e) {
            return e.line();
        }
        return 0;
    };
    BOOST_TEST(lineOf("ok\n\"never closed\n") == 2);
    BOOST_TEST(lineOf("a\"b\n") == 1);
    BOOST_TEST(lineOf("\"a\"b\n") == 1);
    BOOST_TEST(lineOf("ok\nok\n" + std::string(100, 'x') + "\n", 50) == 3);
    BOOST_TEST(lineOf("1,2,3,4,5\n") == 1);  // more than 4 fields
    BOOST_TEST(lineOf("1,2,3,4\n") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(database)

BOOST_AUTO_TEST_CASE(backup_is_a_checked_single_file_copy) {
    ops_test::TempDir d;
    {
        Db db(d.path("live.db"), 1000);
        migrate(db);
        for (int i = 0; i < 50; ++i) ops_test::insertEmail(db, "E" + std::to_string(i), 100);
    }
    BackupResult r = backupDatabase(d.path("live.db"), 1000, d.path("copy.db"), false);
    BOOST_TEST(r.integrity == "ok");
    BOOST_TEST(r.emails == 50);
    BOOST_TEST(r.bytes > 0);
    struct stat st {};
    BOOST_TEST(::stat(d.path("copy.db-wal").c_str(), &st) != 0);  // no WAL beside the copy
    BOOST_REQUIRE(::stat(d.path("copy.db").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0640u);
    Db copy(d.path("copy.db"), 1000, true);
    Stmt s = copy.prepare("PRAGMA journal_mode");
    BOOST_REQUIRE(s.step());
    BOOST_TEST(s.getText(0) == "delete");
    BOOST_CHECK_THROW(backupDatabase(d.path("live.db"), 1000, d.path("copy.db"), false), std::runtime_error);
    BOOST_CHECK_NO_THROW(backupDatabase(d.path("live.db"), 1000, d.path("copy.db"), true));
    BOOST_CHECK_THROW(backupDatabase(d.path("missing.db"), 1000, d.path("other.db"), false), std::runtime_error);
    BOOST_TEST(::stat(d.path("missing.db").c_str(), &st) != 0);  // not created by the attempt
}

BOOST_AUTO_TEST_CASE(integrity_check_of_a_sound_database) {
    ops_test::TempDir d;
    Db db(d.path("t.db"), 1000);
    migrate(db);
    auto p = integrityCheck(db, false);
    BOOST_TEST(p.size() == 1u);
    BOOST_TEST(p[0] == "ok");
}

BOOST_AUTO_TEST_CASE(prune_deletes_old_events_and_raw_reports_in_batches) {
    ops_test::TempDir d;
    Db db(d.path("t.db"), 1000);
    migrate(db);
    ops_test::insertEmail(db, "E1", 10);
    for (int i = 0; i < 25; ++i)
        db.prepare("INSERT INTO events(email_id, client_id, type, at) VALUES ('E1', 'c1', 'submitted', ?)")
            .bind(1, i < 20 ? 100 : 5000)
            .exec();
    for (int i = 0; i < 7; ++i)
        db.prepare("INSERT INTO bounces(kind, report_digest, raw, received_at) VALUES ('bounce', ?, 'RAW', ?)")
            .bind(1, "d" + std::to_string(i))
            .bind(2, i < 5 ? 100 : 5000)
            .exec();
    PruneResult dry = pruneBefore(db, 1000, true);
    BOOST_TEST(dry.events == 20);
    BOOST_TEST(dry.raw_reports == 5);
    PruneResult r = pruneBefore(db, 1000, false, 3);  // several batches
    BOOST_TEST(r.events == 20);
    BOOST_TEST(r.raw_reports == 5);
    Stmt e = db.prepare("SELECT COUNT(*), MIN(at) FROM events");
    BOOST_REQUIRE(e.step());
    BOOST_TEST(e.getInt(0) == 5);
    BOOST_TEST(e.getInt(1) == 5000);
    Stmt b = db.prepare("SELECT COUNT(*), COUNT(raw) FROM bounces");
    BOOST_REQUIRE(b.step());
    BOOST_TEST(b.getInt(0) == 7);  // the bounce rows stay
    BOOST_TEST(b.getInt(1) == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dead_letters)

BOOST_AUTO_TEST_CASE(recipient_index_of_the_injector_reason) {
    BOOST_TEST(*recipientOfReason("recipient 3: 450 4.7.1 try later") == 3);
    BOOST_TEST(*recipientOfReason("recipient 0: connection: refused") == 0);
    BOOST_TEST(!recipientOfReason("recipient x: 450"));
    BOOST_TEST(!recipientOfReason("recipient 3 450"));
    BOOST_TEST(!recipientOfReason("something else"));
    BOOST_TEST(!recipientOfReason("recipient 99999999: overflow"));
}

BOOST_AUTO_TEST_CASE(requeue_resets_only_failed_recipients) {
    ops_test::TempDir d;
    Db db(d.path("t.db"), 1000);
    migrate(db);
    ops_test::insertEmail(db, "E1", 10);
    db.prepare("INSERT INTO recipients(email_id, idx, address, status, attempts, updated_at) VALUES ('E1',1,'s@x.test','submitted',1,10)")
        .exec();
    db.prepare("INSERT INTO recipients(email_id, idx, address, status, attempts, updated_at) VALUES ('E1',2,'f@x.test','failed',8,10)")
        .exec();
    BOOST_TEST(requeueFailedRecipients(db, "nope", std::nullopt) == -1);
    BOOST_TEST(requeueFailedRecipients(db, "E1", 2) == 1);  // only the named one
    Stmt s = db.prepare("SELECT idx, status, attempts FROM recipients WHERE email_id = 'E1' ORDER BY idx");
    std::vector<std::string> st;
    while (s.step()) st.push_back(s.getText(1) + "/" + std::to_string(s.getInt(2)));
    BOOST_TEST(st == (std::vector<std::string>{"failed/8", "submitted/1", "queued/0"}));
    BOOST_TEST(requeueFailedRecipients(db, "E1", std::nullopt) == 1);
    Stmt e = db.prepare("SELECT status FROM emails WHERE id = 'E1'");
    BOOST_REQUIRE(e.step());
    BOOST_TEST(e.getText(0) == "queued");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dkim_keygen)

BOOST_AUTO_TEST_CASE(generated_keys_load_in_the_milter_key_table) {
    ops_test::TempDir d;
    generateDkimKey("rsa-sha256", 2048, d.path("rsa.pem"));
    generateDkimKey("ed25519-sha256", 0, d.path("ed.pem"));
    struct stat st {};
    BOOST_REQUIRE(::stat(d.path("rsa.pem").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0640u);
    std::vector<std::string> warnings;
    auto t = milter::KeyTable::load({{"a.test", "r", d.path("rsa.pem"), "rsa-sha256"},
                                     {"a.test", "e", d.path("ed.pem"), "ed25519-sha256"}},
                                    false, &warnings);
    BOOST_REQUIRE(t.all().size() == 2u);
    BOOST_TEST(t.all()[0]->bits == 2048);
    BOOST_TEST(warnings.empty());
    std::string ed = milter::dnsRecordValue(*t.all()[1]);
    BOOST_TEST(ed.rfind("v=DKIM1; k=ed25519; p=", 0) == 0u);
    BOOST_TEST(ed.size() == std::string("v=DKIM1; k=ed25519; p=").size() + 44);
    BOOST_TEST(milter::dnsRecordValue(*t.all()[0]).rfind("v=DKIM1; k=rsa; p=MIIB", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(never_replaces_a_file_and_checks_parameters) {
    ops_test::TempDir d;
    generateDkimKey("ed25519-sha256", 0, d.path("k.pem"));
    std::string before = ops_test::readFile(d.path("k.pem"));
    BOOST_CHECK_THROW(generateDkimKey("ed25519-sha256", 0, d.path("k.pem")), std::runtime_error);
    BOOST_TEST(ops_test::readFile(d.path("k.pem")) == before);
    BOOST_CHECK_THROW(generateDkimKey("rsa-sha256", 512, d.path("small.pem")), std::runtime_error);
    BOOST_CHECK_THROW(generateDkimKey("dsa", 2048, d.path("dsa.pem")), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(zone_text_splits_long_records) {
    BOOST_TEST(zoneTxt("v=DKIM1") == "( \"v=DKIM1\" )");
    std::string v(300, 'x');
    BOOST_TEST(zoneTxt(v) == "( \"" + std::string(255, 'x') + "\" \"" + std::string(45, 'x') + "\" )");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ctl_audit)

BOOST_AUTO_TEST_CASE(secret_values_are_redacted) {
    auto j = commandAuditRecord("client", "add", {"shop", "--secret", "hunter2", "--token=abc", "--secret-stdin",
                                                  "--name", "Shop"},
                                0);
    std::string s = j.dump();
    BOOST_TEST(s.find("hunter2") == std::string::npos);
    BOOST_TEST(s.find("abc") == std::string::npos);
    BOOST_TEST(j["args"][2] == "(redacted)");
    BOOST_TEST(j["args"][3] == "--token=(redacted)");
    BOOST_TEST(j["args"][4] == "--secret-stdin");
    BOOST_TEST(j["args"][6] == "Shop");
    BOOST_TEST(j["command"] == "client add");
    BOOST_TEST(j["result"] == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
