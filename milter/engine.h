// The milter's own protocol engine: listens on milter.socket and serves each
// MTA connection in a thread of its own, reading with a large buffer so that
// the commands the MTA pipelines (headers, body, end of headers: no reply
// negotiated) are taken in one read and answered in one write.
//
// Why not libmilter: Debian builds it with its worker pool
// (_FFR_WORKERS_POOL), which hands every command from a poll() thread to a
// worker over a condition variable and a pipe, and starts and ends worker
// threads under load: about 115 poll() calls per message and a thread
// created per message in bench/milter. The protocol (version 6, Postfix's
// milter8) is in protocol.h; the per-connection logic in dispatcher.h.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace v2v::milter {

class Engine {
public:
    // Opens the socket: unix:/path or local:/path (a stale socket file is
    // replaced), inet:PORT@HOST, inet:PORT (every address), inet6:PORT@HOST.
    // Throws std::runtime_error naming the socket and the cause.
    Engine(const std::string& spec, int timeoutSeconds);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Accepts connections until stop(); returns then.
    void run();
    // Stops accepting. Connections waiting between messages close at once;
    // one in the middle of a message finishes it first.
    void stop();
    // Waits until every connection has ended, at most `limit`; true if all
    // did. Connections still open then are shut down.
    bool drain(std::chrono::milliseconds limit);

private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
    int listenFd_ = -1;
    void closeListener();
};

// "unix:/p" or "local:/p" -> "/p"; "" for inet sockets.
std::string unixSocketPath(const std::string& spec);

}  // namespace v2v::milter
