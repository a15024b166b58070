// The milter's protocol engine (see engine.h).
#include "engine.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "dispatcher.h"
#include "log.h"
#include "protocol.h"

namespace v2v::milter {

// What the accept loop and the connection threads share; connection threads
// hold it, so it outlives an Engine that gave up waiting for them.
struct Engine::Shared {
    int stopFd = -1;  // an eventfd, readable once stop() was called (never read)
    int timeoutMs = 0;
    std::mutex mutex;
    std::condition_variable idle;
    std::set<int> connections;  // their sockets
    ~Shared() {
        if (stopFd >= 0) ::close(stopFd);
    }
};

namespace {

// The largest packet accepted: a body chunk is at most 64 KB; a header line
// (Postfix: header_size_limit) can be longer.
constexpr std::size_t kMaxPacketData = 4 * 1024 * 1024;
// Between two commands the MTA may be silent for long (the SMTP client
// uploading a large message, an idle SMTP session); it closes the connection
// itself. libmilter's default timeout.
constexpr int kIdleMs = 7210 * 1000;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }

private:
    int fd_;
};

[[noreturn]] void fail(const std::string& spec, const std::string& what) {
    throw std::runtime_error(spec + ": " + what + ": " + std::strerror(errno));
}

int listenUnix(const std::string& spec, const std::string& path) {
    sockaddr_un sa{};
    if (path.size() >= sizeof(sa.sun_path)) throw std::runtime_error(spec + ": socket path too long");
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) fail(spec, "socket");
    // A socket file left by an earlier run is replaced; any other file is not.
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) fail(spec, "bind");
    if (::listen(fd.get(), SOMAXCONN) != 0) fail(spec, "listen");
    return fd.release();
}

int listenInet(const std::string& spec) {
    bool v6 = spec.rfind("inet6:", 0) == 0;
    std::string rest = spec.substr(spec.find(':') + 1);
    std::string port = rest.substr(0, rest.find('@'));
    std::string host = rest.find('@') == std::string::npos ? "" : rest.substr(rest.find('@') + 1);
    char* end = nullptr;
    long n = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || n < 1 || n > 65535)
        throw std::runtime_error(spec + ": the port must be 1..65535");
    addrinfo hints{};
    hints.ai_family = v6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) throw std::runtime_error(spec + ": " + ::gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
    Fd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) fail(spec, "socket");
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) fail(spec, "bind");
    if (::listen(fd.get(), SOMAXCONN) != 0) fail(spec, "listen");
    return fd.release();
}

// Writes all of `out`; false when the MTA went away or stalled past the timeout.
bool writeAll(int fd, const std::string& out, int timeoutMs) {
    std::size_t off = 0;
    while (off < out.size()) {
        ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, timeoutMs) <= 0) return false;
        } else {
            return false;
        }
    }
    return true;
}

// One MTA connection, until it quits, breaks the protocol, times out, or the
// milter stops while no message is in progress.
void serveConnection(int fd, int stopFd, int timeoutMs) {
    const char* why = nullptr;
    try {
        Dispatcher d([] { return currentRuntime().get(); });
        proto::PacketReader reader(kMaxPacketData);
        std::string out;
        for (;;) {
            while (auto packet = reader.next()) {
                if (d.handle(packet->command, packet->data, out) == Dispatcher::After::close) {
                    writeAll(fd, out, timeoutMs);
                    return;
                }
            }
            if (!out.empty()) {
                if (!writeAll(fd, out, timeoutMs)) {
                    why = "cannot write to the MTA";
                    break;
                }
                out.clear();
            }
            pollfd p[2] = {{fd, POLLIN, 0}, {stopFd, POLLIN, 0}};
            // milter.timeout_seconds bounds the wait for the rest of a packet.
            int n = ::poll(p, d.inMessage() ? 1 : 2, reader.empty() ? kIdleMs : timeoutMs);
            if (n < 0 && errno == EINTR) continue;
            if (n == 0) {
                why = reader.empty() ? "the MTA sent nothing for two hours"
                                     : "the rest of a command did not come within milter.timeout_seconds";
                break;
            }
            if (n < 0) {
                why = "poll failed";
                break;
            }
            // Stopping: no new message is started (the MTA applies its milter_default_action).
            if (!d.inMessage() && (p[1].revents & POLLIN)) return;
            auto [buf, len] = reader.space(64 * 1024 + 5);
            ssize_t got = ::recv(fd, buf, len, 0);
            if (got == 0) return;  // the MTA closed the connection
            if (got < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                why = "read from the MTA failed";
                break;
            }
            reader.commit(static_cast<std::size_t>(got));
        }
    } catch (const proto::ProtocolError& e) {
        V2V_LOG(error, "NOQUEUE") << "milter protocol error, connection closed: " << e.what();
        return;
    } catch (const std::exception& e) {
        V2V_LOG(error, "NOQUEUE") << "milter connection failed: " << e.what();
        return;
    } catch (...) {
        V2V_LOG(error, "NOQUEUE") << "milter connection failed: unknown exception";
        return;
    }
    if (why) V2V_LOG(warning, "NOQUEUE") << why << "; connection closed";
}

}  // namespace

std::string unixSocketPath(const std::string& spec) {
    for (const char* p : {"unix:", "local:"})
        if (spec.rfind(p, 0) == 0) return spec.substr(std::strlen(p));
    return "";
}

Engine::Engine(const std::string& spec, int timeoutSeconds) : shared_(std::make_shared<Shared>()) {
    shared_->timeoutMs = timeoutSeconds * 1000;
    shared_->stopFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (shared_->stopFd < 0) fail(spec, "eventfd");
    std::string path = unixSocketPath(spec);
    listenFd_ = path.empty() ? listenInet(spec) : listenUnix(spec, path);
}

Engine::~Engine() {
    stop();
    closeListener();
}

void Engine::closeListener() {
    if (listenFd_ >= 0) ::close(listenFd_);
    listenFd_ = -1;
}

void Engine::stop() {
    std::uint64_t one = 1;
    ssize_t n = ::write(shared_->stopFd, &one, sizeof one);
    (void)n;  // the counter only overflows after 2^64 stops
}

void Engine::run() {
    struct Close {
        Engine* e;
        ~Close() { e->closeListener(); }  // no connection waits in a backlog nobody reads
    } closeAtEnd{this};
    for (;;) {
        pollfd p[2] = {{listenFd_, POLLIN, 0}, {shared_->stopFd, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            V2V_LOG(error, "") << "milter socket: poll: " << std::strerror(errno);
            return;
        }
        if (p[1].revents & POLLIN) return;
        int c = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
            V2V_LOG(error, "") << "milter socket: accept: " << std::strerror(errno);
            // Out of descriptors or memory: wait a little rather than spin.
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        {
            std::lock_guard<std::mutex> lock(shared_->mutex);
            shared_->connections.insert(c);
        }
        auto sh = shared_;
        auto finished = [c, sh] {
            {
                std::lock_guard<std::mutex> lock(sh->mutex);
                sh->connections.erase(c);
                if (sh->connections.empty()) sh->idle.notify_all();
            }
            ::close(c);
        };
        try {
            std::thread([c, sh, finished] {
                serveConnection(c, sh->stopFd, sh->timeoutMs);
                finished();
            }).detach();
        } catch (const std::system_error& e) {
            V2V_LOG(error, "") << "cannot start a connection thread: " << e.what();
            finished();
        }
    }
}

bool Engine::drain(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    auto none = [this] { return shared_->connections.empty(); };
    if (shared_->idle.wait_for(lock, limit, none)) return true;
    // Cut the rest off (the MTA applies milter_default_action) and let their
    // threads end before the process does.
    for (int fd : shared_->connections) ::shutdown(fd, SHUT_RDWR);
    shared_->idle.wait_for(lock, std::chrono::seconds(2), none);
    return false;
}

}  // namespace v2v::milter
