// Backup, integrity check and pruning (see db_ops.h).
#include "db_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

namespace v2v::ctl {
namespace {

struct CloseDb {
    void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
struct FinishBackup {
    void operator()(sqlite3_backup* b) const { sqlite3_backup_finish(b); }
};

// Removes the temporary copy unless released.
struct TempFile {
    std::string path;
    bool keep = false;
    ~TempFile() {
        if (!keep && !path.empty()) ::unlink(path.c_str());
    }
};

std::string firstRow(sqlite3* d, const char* sql) {
    Stmt s(d, sql);
    return s.step() ? s.getText(0) : "";
}

void syncPath(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw std::runtime_error(path + ": fsync: " + std::strerror(errno));
}

std::string dirOf(const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
}

}  // namespace

BackupResult backupDatabase(const std::string& srcPath, int busyMs, const std::string& dest, bool overwrite) {
    struct stat st {};
    if (!overwrite && ::stat(dest.c_str(), &st) == 0) throw std::runtime_error(dest + " exists (use --force)");
    if (::stat(srcPath.c_str(), &st) != 0) throw std::runtime_error(srcPath + ": " + std::strerror(errno));
    Db src(srcPath, busyMs);
    TempFile tmp{dest + ".tmp-" + std::to_string(::getpid())};
    ::unlink(tmp.path.c_str());
    {
        int fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0) throw std::runtime_error(tmp.path + ": " + std::strerror(errno));
        ::close(fd);
    }
    BackupResult r;
    {
        sqlite3* raw = nullptr;
        int rc = sqlite3_open_v2(tmp.path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
        DbPtr out(raw);
        if (rc != SQLITE_OK) throwDb(raw, rc, "open " + tmp.path);
        std::unique_ptr<sqlite3_backup, FinishBackup> b(sqlite3_backup_init(out.get(), "main", src.handle(), "main"));
        if (!b) throwDb(out.get(), sqlite3_errcode(out.get()), "backup " + srcPath);
        // All pages in one step: one read transaction on the source, so the copy
        // is the snapshot at its start and concurrent writers are not restarted.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busyMs);
        for (;;) {
            rc = sqlite3_backup_step(b.get(), -1);
            if (rc == SQLITE_DONE) break;
            if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            throw DbError("backup " + srcPath + ": " + sqlite3_errstr(rc), rc);
        }
        r.pages = sqlite3_backup_pagecount(b.get());
        rc = sqlite3_backup_finish(b.release());
        if (rc != SQLITE_OK) throwDb(out.get(), rc, "backup " + srcPath);
        // A single file: no -wal next to the copy.
        firstRow(out.get(), "PRAGMA journal_mode=DELETE");
        r.integrity = firstRow(out.get(), "PRAGMA integrity_check");
        Stmt n(out.get(), "SELECT COUNT(*) FROM emails");
        r.emails = n.step() ? n.getInt(0) : 0;
    }
    if (r.integrity != "ok") return r;  // the temporary copy is removed
    syncPath(tmp.path, O_RDONLY);
    if (::rename(tmp.path.c_str(), dest.c_str()) != 0)
        throw std::runtime_error("rename to " + dest + ": " + std::strerror(errno));
    tmp.keep = true;
    syncPath(dirOf(dest), O_RDONLY | O_DIRECTORY);
    if (::stat(dest.c_str(), &st) == 0) r.bytes = st.st_size;
    return r;
}

std::vector<std::string> integrityCheck(Db& db, bool quick) {
    std::vector<std::string> problems;
    Stmt s = db.prepare(quick ? "PRAGMA quick_check(100)" : "PRAGMA integrity_check(100)");
    while (s.step())
        if (s.getText(0) != "ok") problems.push_back(s.getText(0));
    Stmt fk = db.prepare("PRAGMA foreign_key_check");
    while (fk.step() && problems.size() < 100)
        problems.push_back("foreign key: " + fk.getText(0) + " row " + std::to_string(fk.getInt(1)) + " refers to a missing " +
                           fk.getText(2) + " row");
    if (problems.empty()) problems.push_back("ok");
    return problems;
}

PruneResult pruneBefore(Db& db, std::int64_t cutoff, bool dryRun, int batch) {
    PruneResult r;
    if (dryRun) {
        Stmt e = db.prepare("SELECT COUNT(*) FROM events WHERE at < ?");
        e.bind(1, cutoff);
        r.events = e.step() ? e.getInt(0) : 0;
        Stmt b = db.prepare("SELECT COUNT(*) FROM bounces WHERE received_at < ? AND raw IS NOT NULL");
        b.bind(1, cutoff);
        r.raw_reports = b.step() ? b.getInt(0) : 0;
        return r;
    }
    // Old events are the low ids: each batch stops after `batch` matches.
    for (;;) {
        Transaction tx(db);
        db.prepare("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? ORDER BY id LIMIT ?)")
            .bind(1, cutoff)
            .bind(2, batch)
            .exec();
        int n = db.changes();
        tx.commit();
        r.events += n;
        if (n < batch) break;
    }
    for (;;) {
        Transaction tx(db);
        db.prepare(
              "UPDATE bounces SET raw = NULL WHERE id IN "
              "(SELECT id FROM bounces WHERE received_at < ? AND raw IS NOT NULL LIMIT ?)")
            .bind(1, cutoff)
            .bind(2, batch)
            .exec();
        int n = db.changes();
        tx.commit();
        r.raw_reports += n;
        if (n < batch) break;
    }
    return r;
}

}  // namespace v2v::ctl
