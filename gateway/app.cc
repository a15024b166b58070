// Per-thread connections.
#include "app.h"

#include "send_committer.h"

namespace v2v::gw {

App::App(ConfigPtr cfg) : cfg_(std::move(cfg)) {}

App::~App() = default;

void App::stopCommitter() { committer().stop(); }  // the committer stops (finishing its jobs) before the rest goes

SendCommitter& App::committer() {
    std::call_once(committerOnce_, [this] {
        SendCommitter::Options o;
        o.threads = cfg_->gateway.commit_threads;
        committer_ = std::make_unique<SendCommitter>(*this, o);
    });
    return *committer_;
}

Db& App::db() {
    thread_local std::unique_ptr<Db> db;
    if (!db) db = openDb();
    return *db;
}

std::unique_ptr<Db> App::openDb() const {
    auto db = std::make_unique<Db>(cfg_->database);
    db->setAutoCheckpoint(0);  // the server's Checkpointer thread does it, off the commit path
    return db;
}

Redis& App::redis() {
    thread_local std::unique_ptr<Redis> r;
    if (!r) r = std::make_unique<Redis>(cfg_->redis);
    return *r;
}

}  // namespace v2v::gw
