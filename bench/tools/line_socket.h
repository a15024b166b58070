// Small blocking-socket helpers shared by the benchmark SMTP tools: connect,
// listen, and a buffered line reader with a timeout. Header-only on purpose
// (two tiny programs); not part of libv2v.
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bench {

struct HostPort {
    std::string host;
    int port = 0;
};

// "HOST:PORT" (IPv4 or a name); throws std::invalid_argument.
inline HostPort parseHostPort(const std::string& s) {
    auto c = s.rfind(':');
    if (c == std::string::npos || c == 0 || c + 1 == s.size()) throw std::invalid_argument("expected HOST:PORT: " + s);
    HostPort hp{s.substr(0, c), std::stoi(s.substr(c + 1))};
    if (hp.port < 1 || hp.port > 65535) throw std::invalid_argument("bad port: " + s);
    return hp;
}

inline int connectTo(const HostPort& hp) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(hp.host.c_str(), std::to_string(hp.port).c_str(), &hints, &res) != 0 || !res)
        throw std::runtime_error("cannot resolve " + hp.host);
    int fd = -1;
    for (addrinfo* a = res; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype, 0);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) throw std::runtime_error("cannot connect to " + hp.host + ":" + std::to_string(hp.port) + ": " + std::strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

inline int listenOn(const HostPort& hp) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(hp.port));
    if (inet_pton(AF_INET, hp.host.c_str(), &sa.sin_addr) != 1) throw std::invalid_argument("listen address must be IPv4: " + hp.host);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 128) != 0)
        throw std::runtime_error("cannot listen on " + hp.host + ":" + std::to_string(hp.port) + ": " + std::strerror(errno));
    return fd;
}

inline void writeAll(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("write: ") + std::strerror(errno));
        off += static_cast<std::size_t>(n);
    }
}

// Reads CRLF- (or LF-) terminated lines with a per-read timeout.
class LineReader {
public:
    LineReader(int fd, int timeoutMs) : fd_(fd), timeoutMs_(timeoutMs) {}
    // False on EOF; throws on timeout or error. The line excludes the line end.
    bool readLine(std::string& line, std::size_t max = 1 << 20) {
        for (;;) {
            auto nl = buf_.find('\n', pos_);
            if (nl != std::string::npos) {
                line.assign(buf_, pos_, nl - pos_);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                pos_ = nl + 1;
                if (pos_ > 65536) {
                    buf_.erase(0, pos_);
                    pos_ = 0;
                }
                return true;
            }
            if (buf_.size() - pos_ > max) throw std::runtime_error("line too long");
            pollfd p{fd_, POLLIN, 0};
            int r = ::poll(&p, 1, timeoutMs_);
            if (r == 0) throw std::runtime_error("timeout");
            if (r < 0 && errno == EINTR) continue;
            char tmp[65536];
            ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(std::string("read: ") + std::strerror(errno));
            if (n == 0) return false;
            buf_.append(tmp, static_cast<std::size_t>(n));
        }
    }

private:
    int fd_;
    int timeoutMs_;
    std::string buf_;
    std::size_t pos_ = 0;
};

}  // namespace bench
