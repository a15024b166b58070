// SQLite wrapper and migrations on a real temporary database file.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <string>

#include <sqlite3.h>

#include "db.h"
#include "db_checkpoint.h"
#include "temp_db.h"

using namespace v2v;

namespace {
// A temporary directory; `path` is the database file in it.
struct TempDb : v2v::test::TempDir {
    std::string path = TempDir::path("t.db");
};
}  // namespace

// The programs share the database through group v2v: a database one of them
// creates must be group-writable (daemons run with umask 007, an admin's
// shell may have 077).
BOOST_AUTO_TEST_CASE(new_database_is_group_writable_whatever_the_umask) {
    TempDb t;
    mode_t old = umask(077);
    {
        Db db(t.path, 1000);
        migrate(db);
    }
    umask(old);
    struct stat st {};
    BOOST_REQUIRE(stat(t.path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0660u);
}

// New databases get 8 KiB pages; one created elsewhere keeps its own.
BOOST_AUTO_TEST_CASE(new_database_has_8k_pages_an_existing_one_keeps_its_size) {
    auto pageSize = [](Db& db) {
        Stmt s = db.prepare("PRAGMA page_size");
        BOOST_REQUIRE(s.step());
        return s.getInt(0);
    };
    TempDb fresh;
    {
        Db db(fresh.path, 1000);
        migrate(db);
        BOOST_TEST(pageSize(db) == Db::kNewPageSize);
    }
    TempDb old;
    {
        sqlite3* raw = nullptr;
        BOOST_REQUIRE(sqlite3_open(old.path.c_str(), &raw) == SQLITE_OK);
        BOOST_REQUIRE(sqlite3_exec(raw, "PRAGMA page_size=4096; CREATE TABLE t(x);", nullptr, nullptr, nullptr) ==
                      SQLITE_OK);
        sqlite3_close(raw);
    }
    Db db(old.path, 1000);
    migrate(db);
    BOOST_TEST(pageSize(db) == 4096);
}

BOOST_AUTO_TEST_CASE(migrate_creates_all_tables) {
    TempDb t;
    Db db(t.path, 1000);
    BOOST_TEST(migrate(db) == 0);
    BOOST_TEST(migrate(db) == schemaVersion());  // idempotent
    for (const char* table : {"clients", "emails", "recipients", "templates", "events", "bounces",
                              "suppressions", "analytics"}) {
        Stmt s = db.prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?");
        s.bind(1, table);
        BOOST_REQUIRE(s.step());
        BOOST_TEST(s.getInt(0) == 1, table);
    }
    Stmt jm = db.prepare("PRAGMA journal_mode");
    BOOST_REQUIRE(jm.step());
    BOOST_TEST(jm.getText(0) == "wal");
    Stmt fk = db.prepare("PRAGMA foreign_keys");
    BOOST_REQUIRE(fk.step());
    BOOST_TEST(fk.getInt(0) == 1);
}

BOOST_AUTO_TEST_CASE(newer_schema_is_refused) {
    TempDb t;
    Db db(t.path, 1000);
    db.execScript("PRAGMA user_version=9999");
    BOOST_CHECK_THROW(migrate(db), DbError);
}

BOOST_AUTO_TEST_CASE(prepared_statements_bind_hostile_text) {
    TempDb t;
    Db db(t.path, 1000);
    migrate(db);
    std::string evil = "x'); DROP TABLE clients; --";
    db.prepare("INSERT INTO clients(id, name, secret_hash, created_at, updated_at) VALUES (?,?,?,?,?)")
        .bind(1, evil).bind(2, "n").bind(3, "h").bind(4, std::int64_t{1}).bind(5, std::int64_t{1}).exec();
    Stmt s = db.prepare("SELECT id FROM clients");
    BOOST_REQUIRE(s.step());
    BOOST_TEST(s.getText(0) == evil);
}

BOOST_AUTO_TEST_CASE(transaction_rolls_back_without_commit) {
    TempDb t;
    Db db(t.path, 1000);
    migrate(db);
    {
        Transaction tx(db);
        db.prepare("INSERT INTO suppressions(client_id,address,reason,created_at) VALUES('c','a@b','manual',1)").exec();
    }
    Stmt s = db.prepare("SELECT count(*) FROM suppressions");
    BOOST_REQUIRE(s.step());
    BOOST_TEST(s.getInt(0) == 0);
}

BOOST_AUTO_TEST_CASE(busy_past_timeout_is_transient) {
    TempDb t;
    Db a(t.path, 50);
    migrate(a);
    Db b(t.path, 50);
    a.execScript("BEGIN IMMEDIATE");  // another writer (as if another process) holds the lock
    try {
        Transaction tx(b);
        BOOST_FAIL("second writer should have timed out");
    } catch (const DbError& e) {
        BOOST_TEST(e.transient());
        BOOST_TEST((e.code() & 0xff) == SQLITE_BUSY);
    }
}

BOOST_AUTO_TEST_CASE(foreign_keys_enforced) {
    TempDb t;
    Db db(t.path, 1000);
    migrate(db);
    BOOST_CHECK_THROW(db.prepare("INSERT INTO emails(id, client_id, message_id, from_address, status, "
                                 "created_at, updated_at) VALUES ('e','nobody','m','f','queued',1,1)")
                          .exec(),
                      DbError);
}

// Durability is done by the wal hook (fsync after the lock is released), so
// SQLite itself runs with synchronous=NORMAL whatever database.synchronous says.
BOOST_AUTO_TEST_CASE(synchronous_modes_are_checked_and_sqlite_runs_normal) {
    TempDb t;
    Db db(t.path, 1000);
    auto mode = [&] {
        Stmt s = db.prepare("PRAGMA synchronous");
        BOOST_REQUIRE(s.step());
        return s.getInt(0);
    };
    BOOST_TEST(mode() == 1);
    BOOST_CHECK_NO_THROW(db.setSynchronous("normal"));
    BOOST_CHECK_NO_THROW(db.setSynchronous("full"));
    BOOST_TEST(mode() == 1);
    BOOST_CHECK_THROW(db.setSynchronous("off"), DbError);
    BOOST_CHECK_THROW(db.setSynchronous("FULL; DROP TABLE x"), DbError);
}

// The wal hook replaces SQLite's default one: it must still run the automatic
// checkpoint (the WAL stays small) and commit in and out of a Transaction.
BOOST_AUTO_TEST_CASE(durable_commits_still_checkpoint_automatically) {
    TempDb t;
    Db db(t.path, 1000);
    db.setSynchronous("full");
    db.execScript("CREATE TABLE x(v BLOB)");
    for (int i = 0; i < 900; ++i) {
        Transaction tx(db);
        db.prepare("INSERT INTO x VALUES (zeroblob(12000))").exec();  // 2+ pages a commit
        tx.commit();
    }
    db.prepare("INSERT INTO x VALUES (1)").exec();  // autocommit, outside a Transaction
    BOOST_CHECK_NO_THROW(db.syncWal());
    Db other(t.path, 1000);
    Stmt n = other.prepare("SELECT count(*) FROM x");
    BOOST_REQUIRE(n.step());
    BOOST_TEST(n.getInt(0) == 901);
    struct stat st {};
    BOOST_REQUIRE(::stat((t.path + "-wal").c_str(), &st) == 0);
    // ~3,000 frames were written: checkpointed at 1,000 and restarted, the WAL
    // stays near 1,000 frames (8 MB with 8 KiB pages)
    BOOST_TEST(st.st_size < 1500 * (Db::kNewPageSize + 24));
}

// commitDeferringSync: the commit is made and seen at once; whether an fsync
// is still owed depends on the synchronous mode, and one syncWal covers it.
BOOST_AUTO_TEST_CASE(a_commit_may_leave_its_fsync_to_the_caller) {
    TempDb t;
    Db db(t.path, 1000);
    db.execScript("CREATE TABLE x(v INTEGER)");
    auto insert = [&](int v) {
        Transaction tx(db);
        db.prepare("INSERT INTO x VALUES (" + std::to_string(v) + ")").exec();
        return tx.commitDeferringSync();
    };
    db.setSynchronous("full");
    BOOST_TEST(insert(1));
    BOOST_TEST(insert(2));  // owed again: one sync below covers both
    Db other(t.path, 1000);
    auto count = [&] {
        Stmt n = other.prepare("SELECT count(*) FROM x");
        BOOST_REQUIRE(n.step());
        return n.getInt(0);
    };
    BOOST_TEST(count() == 2);  // committed before any fsync
    BOOST_CHECK_NO_THROW(db.syncWal());
    db.setSynchronous("normal");
    BOOST_TEST(!insert(3));  // nothing owed: the caller chose crash-safe only
    {
        Transaction tx(db);  // rolled back: owes nothing, keeps nothing
        db.prepare("INSERT INTO x VALUES (4)").exec();
    }
    BOOST_TEST(count() == 3);
}

// With automatic checkpoints off, the Checkpointer thread copies the WAL back
// into the database file.
BOOST_AUTO_TEST_CASE(checkpointer_checkpoints_the_wal) {
    TempDb t;
    Db db(t.path, 1000);
    db.setAutoCheckpoint(0);
    db.execScript("CREATE TABLE t(x BLOB)");
    {
        Transaction tx(db);
        Stmt s = db.prepare("INSERT INTO t VALUES (zeroblob(4000))");
        for (int i = 0; i < 2000; ++i) {
            s.exec();
            s.reset();
        }
        tx.commit();
    }
    auto dbFileBytes = [&] {
        struct stat st {};
        stat(t.path.c_str(), &st);
        return static_cast<long long>(st.st_size);
    };
    BOOST_TEST(dbFileBytes() < 100000);  // everything is still in the WAL
    {
        Checkpointer c(t.path, 1000, std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    BOOST_TEST(dbFileBytes() >= 2000LL * 4000);  // copied into the database file
    Stmt n = db.prepare("SELECT count(*) FROM t");
    BOOST_REQUIRE(n.step());
    BOOST_TEST(n.getInt(0) == 2000);
}

// Under steady writes a PASSIVE checkpoint is mostly overtaken by a commit, so
// no writer finds the WAL complete and resets it (45 MB in 1,800 commits here
// without the RESTART): with it, the WAL stays near the Checkpointer's
// threshold. (Whether a commit overtakes each checkpoint depends on the
// scheduler, so without the RESTART this can also pass on a slow machine.)
BOOST_AUTO_TEST_CASE(checkpointer_keeps_the_wal_small_under_steady_writes) {
    TempDb t;
    Db db(t.path, 5000);
    db.setAutoCheckpoint(0);
    db.execScript("CREATE TABLE t(x BLOB)");
    auto walBytes = [&] {
        struct stat st {};
        return ::stat((t.path + "-wal").c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : 0LL;
    };
    long long largest = 0;
    const int commits = 3000;  // 12,000 pages: 48 MB of WAL if it never started over
    {
        Checkpointer c(t.path, 5000, std::chrono::milliseconds(5), 256);  // restart past 1 MB
        Stmt s = db.prepare("INSERT INTO t VALUES (zeroblob(4000))");
        for (int n = 0; n < commits; ++n) {
            Transaction tx(db);
            for (int i = 0; i < 4; ++i) {
                s.reset();
                s.exec();
            }
            tx.commit();
            largest = std::max(largest, walBytes());
        }
    }
    BOOST_TEST_MESSAGE("largest WAL " << largest << " bytes");
    BOOST_TEST(largest < 8LL * 1024 * 1024);
    Stmt n = db.prepare("SELECT count(*) FROM t");
    BOOST_REQUIRE(n.step());
    BOOST_TEST(n.getInt(0) == 4LL * commits);
}

// A RESTART holds writers off while it waits for readers of the old WAL: with a
// read transaction open for 3 s, it must give up quickly (and back off) rather
// than hold a writer (whose busy timeout here is 1 s) for the reader's time.
BOOST_AUTO_TEST_CASE(checkpointer_restart_does_not_stall_writers_behind_a_long_read) {
    TempDb t;
    Db db(t.path, 1000);
    db.setAutoCheckpoint(0);
    db.execScript("CREATE TABLE t(x BLOB)");
    db.execScript("INSERT INTO t VALUES (zeroblob(4000))");
    std::thread reader([&] {
        Db r(t.path, 1000);
        r.execScript("BEGIN");
        Stmt s = r.prepare("SELECT count(*) FROM t");
        s.step();  // the read snapshot holds the WAL from here
        std::this_thread::sleep_for(std::chrono::milliseconds(3000));
        s.reset();
        r.execScript("COMMIT");
    });
    BOOST_CHECK_NO_THROW({
        Checkpointer c(t.path, 5000, std::chrono::milliseconds(5), 16);  // restart past 64 KB
        Stmt s = db.prepare("INSERT INTO t VALUES (zeroblob(4000))");
        for (int n = 0; n < 300; ++n) {  // each commit fsyncs: well over a second in all
            Transaction tx(db);  // BEGIN IMMEDIATE: busy past 1 s would throw
            s.reset();
            s.exec();
            tx.commit();
        }
    });
    reader.join();
}

// After a refused RESTART the next waits 1 s, then 2, 4, ... at most 30 s; a
// successful one starts over.
BOOST_AUTO_TEST_CASE(restart_backoff_doubles_to_thirty_seconds) {
    using namespace std::chrono_literals;
    RestartBackoff b;
    const auto t0 = RestartBackoff::Clock::now();
    BOOST_TEST(b.mayTry(t0));
    BOOST_TEST(!b.failingSince());
    b.refused(t0);
    BOOST_TEST(!b.mayTry(t0 + 999ms));
    BOOST_TEST(b.mayTry(t0 + 1s));
    b.refused(t0 + 1s);
    BOOST_TEST(!b.mayTry(t0 + 2999ms));
    BOOST_TEST(b.mayTry(t0 + 3s));
    auto t = t0 + 3s;
    for (int i = 0; i < 10; ++i) b.refused(t);
    BOOST_TEST(!b.mayTry(t + 29s));
    BOOST_TEST(b.mayTry(t + 30s));
    BOOST_REQUIRE(b.failingSince());
    BOOST_TEST((*b.failingSince() == t0));
    b.succeeded();
    BOOST_TEST(b.mayTry(t));
    BOOST_TEST(!b.failingSince());
    b.refused(t);
    BOOST_TEST(b.mayTry(t + 1s));
}
