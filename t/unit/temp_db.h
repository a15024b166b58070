// Test fixtures shared by the unit test binaries: a temporary directory removed
// at the end, and a migrated SQLite database in one (real file, WAL mode).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <system_error>

#include "clients.h"
#include "db.h"

namespace v2v::test {

struct TempDir {
    std::string dir;
    TempDir() {
        char tmpl[] = "/tmp/v2v-test-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path(const std::string& name) const { return dir + "/" + name; }
};

// A migrated database with the given API clients (secret hash "x").
struct TestDb {
    TempDir tmp;
    std::string path = tmp.path("t.db");
    std::unique_ptr<Db> db;
    explicit TestDb(std::initializer_list<const char*> clients = {}) {
        db = std::make_unique<Db>(path, 1000);
        migrate(*db);
        for (const char* id : clients) {
            Client c;
            c.id = id;
            c.name = id;
            insertClient(*db, c, "x");
        }
    }
    ~TestDb() { db.reset(); }  // close before the directory goes
};

}  // namespace v2v::test
