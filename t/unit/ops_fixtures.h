// A temporary directory (removed at the end) and a migrated database in it.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "db.h"
#include "temp_db.h"

namespace ops_test {

using v2v::test::TempDir;

inline std::string readFile(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// An email with one recipient, for tests that need rows to point at.
inline void insertEmail(v2v::Db& db, const std::string& id, std::int64_t at) {
    db.prepare("INSERT OR IGNORE INTO clients(id, name, secret_hash, created_at, updated_at) VALUES ('c1','c1','x',0,0)")
        .exec();
    db.prepare(
          "INSERT INTO emails(id, client_id, message_id, from_address, status, created_at, updated_at) "
          "VALUES (?, 'c1', ?, 'a@b.test', 'failed', ?, ?)")
        .bind(1, id)
        .bind(2, id + "@b.test")
        .bind(3, at)
        .bind(4, at)
        .exec();
    db.prepare("INSERT INTO recipients(email_id, idx, address, status, attempts, updated_at) VALUES (?,0,'r@x.test','failed',8,?)")
        .bind(1, id)
        .bind(2, at)
        .exec();
}

}  // namespace ops_test
