// Database maintenance behind `v2vctl db`: online backup through SQLite's
// backup API (one read snapshot, so writers carry on and the copy holds every
// transaction committed before it started), integrity check, and retention
// pruning of events and raw bounce reports in short transactions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db.h"

namespace v2v::ctl {

struct BackupResult {
    std::int64_t pages = 0;
    std::int64_t bytes = 0;
    std::int64_t emails = 0;  // rows of `emails` in the copy
    std::string integrity;    // "ok", or the first problem PRAGMA integrity_check found
};

// Copies the database at `srcPath` into `dest` (a temporary file renamed into
// place; journal_mode DELETE so it is one self-contained file, mode 0640) and
// checks the copy. Refuses to replace an existing `dest` unless `overwrite`.
// Throws DbError (transient when the source stayed locked past busyMs) or
// std::runtime_error for file problems.
BackupResult backupDatabase(const std::string& srcPath, int busyMs, const std::string& dest, bool overwrite);

// PRAGMA integrity_check (quick_check when `quick`) and foreign_key_check:
// {"ok"} when the database is sound, else one line per problem (at most 100).
std::vector<std::string> integrityCheck(Db& db, bool quick);

struct PruneResult {
    std::int64_t events = 0;       // event rows deleted (or that would be)
    std::int64_t raw_reports = 0;  // bounce rows whose raw report was dropped
};
// Deletes events with `at` before `cutoff` and clears bounces.raw of reports
// received before it (the bounce row itself stays), `batch` rows per
// transaction so writers wait at most one batch. `dryRun` only counts.
PruneResult pruneBefore(Db& db, std::int64_t cutoff, bool dryRun, int batch = 2000);

}  // namespace v2v::ctl
