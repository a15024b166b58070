// SQLite access: RAII connection and statements, BEGIN IMMEDIATE transactions,
// prepared statements only. WAL mode, busy timeout and foreign keys are set on
// every connection so the gateway, milter and bounce parser can share a file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config.h"

namespace v2v {

class DbError : public std::runtime_error {
public:
    DbError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }
    // Busy/locked past the timeout, disk full, I/O error, cannot open: worth retrying.
    bool transient() const;

private:
    int code_;
};

class Stmt {
public:
    Stmt(sqlite3* db, std::string_view sql);
    Stmt(Stmt&&) noexcept = default;
    Stmt& operator=(Stmt&&) noexcept = default;

    Stmt& bind(int i, std::string_view v);
    Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    Stmt& bind(int i, double v);
    Stmt& bindBlob(int i, std::string_view v);
    Stmt& bindNull(int i);
    template <class T>
    Stmt& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bindNull(i);
    }

    // True while a row is available.
    bool step();
    // Run to completion (for INSERT/UPDATE/DELETE).
    void exec();
    void reset();

    bool isNull(int col) const;
    std::int64_t getInt(int col) const;
    double getDouble(int col) const;
    std::string getText(int col) const;
    std::optional<std::string> getOptText(int col) const;

private:
    struct Finalize {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
    sqlite3* db_;
};

struct BusyWait;
struct WalSync;

class Db {
public:
    static constexpr int kNewPageSize = 8192;  // page size of a database created here (see db.cc)
    // Opens (creating if needed) and sets the connection pragmas. Does not migrate.
    Db(const std::string& path, int busyTimeoutMs, bool readOnly = false);
    // The configured database: path, busy timeout and database.synchronous.
    explicit Db(const DatabaseConfig& c, bool readOnly = false);
    ~Db();
    Db(Db&&) noexcept;

    sqlite3* handle() const { return db_.get(); }
    // database.synchronous: "full" (the default of every connection): each
    // commit is on disk (the WAL fsynced) before the statement or
    // Transaction::commit() returns, and survives a power loss. The fsync
    // happens after SQLite's write lock is released (a wal hook), so other
    // writers do not wait for it. "normal": a commit survives a crash of the
    // process but not of the machine.
    void setSynchronous(const std::string& mode);
    // Fsyncs the WAL now (DbError when the disk refuses). It does not use the
    // connection, so it may run while another thread holds a Transaction on
    // it (Transaction::commit() calls it after its unlock).
    void syncWal();
    const std::string& path() const { return path_; }
    Stmt prepare(std::string_view sql) { return Stmt(db_.get(), sql); }
    // A prepared statement kept for the life of the connection (for hot paths);
    // returned reset, with no bindings. Not re-entrant for the same SQL text.
    // Use it for statements run to completion (exec()); for reading rows use
    // query(), whose guard resets the statement so no read snapshot stays open.
    Stmt& cached(const std::string& sql);
    class Query {
    public:
        explicit Query(Stmt& s) : s_(&s) {}
        Query(Query&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
        Query& operator=(Query&&) = delete;
        ~Query() {
            if (s_) s_->reset();
        }
        Stmt* operator->() const { return s_; }
        Stmt& operator*() const { return *s_; }

    private:
        Stmt* s_;
    };
    Query query(const std::string& sql) { return Query(cached(sql)); }
    // For fixed SQL without parameters (pragmas, DDL).
    void execScript(const std::string& sql);
    // PRAGMA wal_autocheckpoint: 0 turns automatic checkpoints off (a
    // Checkpointer thread does them; see db_checkpoint.h).
    void setAutoCheckpoint(int pages);
    std::int64_t lastInsertId() const { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const { return sqlite3_changes(db_.get()); }

private:
    struct Close {
        void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
    };
    friend class Transaction;
    std::unique_ptr<BusyWait> busy_;  // outlives db_ (the handler points at it)
    std::unique_ptr<WalSync> wal_;    // outlives db_ (the wal hook points at it)
    std::unique_ptr<sqlite3, Close> db_;
    std::string path_;
    std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;  // destroyed before db_
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless commit()ed.
// Writers of one process also queue on a process-wide mutex first, so threads
// of the same program never sleep in SQLite's busy handler waiting for each
// other; commit() releases it.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();
    // Commits, but leaves the WAL's fsync to the caller: true when
    // Db::syncWal() must still be called before the commit is durable (one
    // call covers every commit before it, so a caller may sync several at once).
    [[nodiscard]] bool commitDeferringSync();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    std::unique_lock<std::mutex> lock_;
    Db& db_;
    bool done_ = false;
};

// Throws DbError with the message of `db` for result code rc (when not OK/ROW/DONE).
[[noreturn]] void throwDb(sqlite3* db, int rc, std::string_view what);

// Current schema version known by this build, and the migration runner.
int schemaVersion();
// Creates or upgrades the schema to schemaVersion() inside one transaction.
// Returns the version found before. Throws DbError if the file is newer.
int migrate(Db& db);

// Seconds since the epoch, as stored in every *_at column.
std::int64_t nowSeconds();

}  // namespace v2v
