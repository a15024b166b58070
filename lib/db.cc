// SQLite wrapper implementation.
#include "db.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace v2v {

bool DbError::transient() const {
    switch (code_ & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_NOMEM:
        case SQLITE_PROTOCOL:
        case SQLITE_READONLY:  // e.g. a read-only remount or permission problem being fixed
            return true;
        default:
            return false;
    }
}

void throwDb(sqlite3* db, int rc, std::string_view what) {
    std::string msg(what);
    msg += ": ";
    msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw DbError(msg, db ? sqlite3_extended_errcode(db) : rc);
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
    if (rc != SQLITE_OK) throwDb(db, rc, "prepare");
    stmt_.reset(s);
}

Stmt& Stmt::bind(int i, std::string_view v) {
    int rc = sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throwDb(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bind(int i, std::int64_t v) {
    int rc = sqlite3_bind_int64(stmt_.get(), i, v);
    if (rc != SQLITE_OK) throwDb(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    int rc = sqlite3_bind_double(stmt_.get(), i, v);
    if (rc != SQLITE_OK) throwDb(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bindBlob(int i, std::string_view v) {
    int rc = sqlite3_bind_blob(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throwDb(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bindNull(int i) {
    int rc = sqlite3_bind_null(stmt_.get(), i);
    if (rc != SQLITE_OK) throwDb(db_, rc, "bind");
    return *this;
}

bool Stmt::step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throwDb(db_, rc, "step");
}

void Stmt::exec() {
    while (step()) {
    }
    reset();
}

void Stmt::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

bool Stmt::isNull(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
std::int64_t Stmt::getInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
double Stmt::getDouble(int col) const { return sqlite3_column_double(stmt_.get(), col); }
std::string Stmt::getText(int col) const {
    const void* p = sqlite3_column_blob(stmt_.get(), col);
    int n = sqlite3_column_bytes(stmt_.get(), col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::optional<std::string> Stmt::getOptText(int col) const {
    if (isNull(col)) return std::nullopt;
    return getText(col);
}

// SQLite's default busy handler sleeps 1, 2, 5, 10, ... 100 ms between tries:
// with many short writers (one bounce-parser process per report, the gateway's
// threads) most of the wait is oversleeping. Retry every 100-800 us instead,
// until the configured timeout.
struct BusyWait {
    int timeoutMs;
    std::chrono::steady_clock::time_point start;
};

// What the wal hook does after each commit (see Db::setSynchronous).
struct WalSync {
    bool durable = true;             // fsync the WAL after each commit
    int autoCheckpointPages = 1000;  // SQLite's default; 0 = off
    bool deferred = false;           // inside Transaction::commit*(): the sync is left until after the unlock
    bool pending = false;            // a deferred sync is owed
    // The deferred sync uses a descriptor of its own on the -wal file, never
    // the connection, so it may run while another thread of the program uses
    // the connection (see Db::syncWal). Reopened when the file is replaced.
    // fdatasync through any descriptor flushes the file; a write-back error
    // is reported to descriptors open when it happens, so this one is kept
    // open from the first sync on (an error in the instant before that first
    // open would go unseen here; SQLite's own syncs at checkpoints see it).
    std::mutex fdMu;
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    ~WalSync() {
        if (fd >= 0) ::close(fd);
    }
};

namespace {
int syncWalFile(sqlite3* db, const char* schema) {
    sqlite3_file* f = nullptr;
    int rc = sqlite3_file_control(db, schema, SQLITE_FCNTL_JOURNAL_POINTER, &f);
    if (rc != SQLITE_OK) return rc;
    if (!f || !f->pMethods) return SQLITE_OK;  // no WAL open: nothing written
    return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

// Called by SQLite after a commit, once its write lock is released. Replaces
// the default hook, so it also runs the automatic checkpoint.
int walHook(void* arg, sqlite3* db, const char* schema, int pages) {
    auto* w = static_cast<WalSync*>(arg);
    int rc = SQLITE_OK;
    if (w->durable) {
        if (w->deferred)
            w->pending = true;
        else
            rc = syncWalFile(db, schema);
    }
    if (w->autoCheckpointPages > 0 && pages >= w->autoCheckpointPages)
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return rc;  // an error fails the statement (the commit itself stands)
}

int busyHandler(void* arg, int count) {
    auto* b = static_cast<BusyWait*>(arg);
    auto now = std::chrono::steady_clock::now();
    if (count == 0) b->start = now;
    if (now - b->start >= std::chrono::milliseconds(b->timeoutMs)) return 0;
    int us = 100 << std::min(count, 3);
    std::this_thread::sleep_for(std::chrono::microseconds(us));
    return 1;
}
}  // namespace

namespace {
// SQLite creates a new database 0644 & ~umask: under the daemons' umask 007
// that is 0640, and the other programs of group v2v (the bounce parser) could
// not write it. A missing file is created 0660 first, whatever the umask (the
// programs share it through their group); SQLite gives the -wal and -shm files
// the database file's mode.
void createGroupWritable(const std::string& path) {
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
    if (fd < 0) return;  // exists already (or cannot be created: sqlite3_open says why)
    if (::fchmod(fd, 0660) != 0) { /* best effort: SQLite works with the umask's mode */ }
    ::close(fd);
}
}  // namespace

Db::~Db() = default;
Db::Db(Db&&) noexcept = default;

Db::Db(const DatabaseConfig& c, bool readOnly) : Db(c.path, c.busy_timeout_ms, readOnly) {
    setSynchronous(c.synchronous);
}

void Db::setSynchronous(const std::string& mode) {
    if (mode != "full" && mode != "normal")
        throw DbError("database.synchronous: must be full or normal, not " + mode, SQLITE_MISUSE);
    wal_->durable = mode == "full";
}

void Db::syncWal() {
    const std::string wal = path_ + "-wal";
    auto fail = [&](const char* what) {
        throw DbError(what + (" " + wal) + ": " + std::strerror(errno), SQLITE_IOERR_FSYNC);
    };
    WalSync& w = *wal_;
    std::lock_guard<std::mutex> lk(w.fdMu);
    struct stat st {};
    if (::stat(wal.c_str(), &st) != 0) {
        if (errno == ENOENT) return;  // no WAL: nothing was written to it
        fail("stat");
    }
    if (w.fd < 0 || st.st_dev != w.dev || st.st_ino != w.ino) {
        if (w.fd >= 0) ::close(w.fd);
        w.fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
        if (w.fd < 0) fail("open");
        w.dev = st.st_dev;
        w.ino = st.st_ino;
        // A new -wal file: its directory entry must reach the disk too.
        const auto slash = path_.find_last_of('/');
        const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
        int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d >= 0) {
            int rc = ::fsync(d);
            ::close(d);
            if (rc != 0) fail("fsync the directory of");
        }
    }
    if (::fdatasync(w.fd) != 0) fail("fdatasync");
}

Db::Db(const std::string& path, int busyTimeoutMs, bool readOnly)
    : busy_(std::make_unique<BusyWait>(BusyWait{busyTimeoutMs, {}})), wal_(std::make_unique<WalSync>()), path_(path) {
    if (!readOnly) createGroupWritable(path);
    sqlite3* d = nullptr;
    int flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;  // one connection per thread
    int rc = sqlite3_open_v2(path.c_str(), &d, flags, nullptr);
    db_.reset(d);
    if (rc != SQLITE_OK) throwDb(d, rc, "open " + path);
    sqlite3_extended_result_codes(d, 1);
    sqlite3_busy_handler(d, busyHandler, busy_.get());
    // No mmap_size: in WAL mode SQLite drops and remaps the whole mapping at the
    // start of each read after another connection wrote; measured slower than
    // pread on the gateway (1.3k vs 2.2k sends/s).
    // synchronous=NORMAL: SQLite itself does not fsync at commit (that would
    // hold the write lock through the fsync); the wal hook does it once the
    // lock is released (setSynchronous), so what a caller was told is stored
    // (a 202, a bounce taken from Postfix) survives a power loss.
    execScript("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
    sqlite3_wal_hook(d, walHook, wal_.get());
    if (!readOnly) {
        // A new database gets 8 KiB pages (SQLite's default is 4 KiB): a
        // stored email (its MIME, ~3 KB for a 2 KB request) then shares a page
        // with the next instead of filling one alone, so a batch of sends
        // writes about half the WAL frames (each is a pwrite of its own, and
        // the checkpointer copies each). Accept path, alternating fresh
        // stacks: 7.3-8.4k -> 8.1-9.5k sends/s, p99 23-27 -> 15-25 ms. Only an
        // empty database takes it: an existing one keeps its page size.
        execScript("PRAGMA page_size=" + std::to_string(kNewPageSize) + ";");
        // journal_mode=WAL itself needs the lock briefly; the busy timeout covers it.
        Stmt s(d, "PRAGMA journal_mode=WAL");
        if (s.step() && s.getText(0) != "wal")
            throw DbError("open " + path + ": cannot switch to WAL mode", SQLITE_ERROR);
    }
}

Stmt& Db::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<Stmt>(db_.get(), sql)).first;
    it->second->reset();
    return *it->second;
}

void Db::execScript(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw DbError("exec: " + msg, sqlite3_extended_errcode(db_.get()));
    }
}

namespace {
std::mutex& processWriteMutex() {
    static std::mutex m;
    return m;
}
}  // namespace

Transaction::Transaction(Db& db) : lock_(processWriteMutex()), db_(db) { db_.execScript("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
    // The wal hook owes the fsync; it is done after this process's writers
    // are let in again, so they do not wait for it either.
    if (commitDeferringSync()) db_.syncWal();
}

bool Transaction::commitDeferringSync() {
    WalSync& w = *db_.wal_;
    w.deferred = true;
    w.pending = false;
    try {
        db_.execScript("COMMIT");
    } catch (...) {
        w.deferred = false;
        throw;
    }
    w.deferred = false;
    done_ = true;
    // Read under the lock: another thread may commit on the same connection
    // (SendCommitter shares one) once it is released.
    const bool owed = std::exchange(w.pending, false);
    lock_.unlock();
    return owed;
}

void Db::setAutoCheckpoint(int pages) {
    wal_->autoCheckpointPages = pages;  // not sqlite3_wal_autocheckpoint: it would replace the wal hook
}

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace v2v
