// A connected pair of Unix stream sockets for the tests of answers written
// straight to a client's socket: fd[0] is the gateway's end, fd[1] the client's.
#pragma once

#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) == 0); }
    ~SocketPair() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;
    // A duplicate of the gateway's end (as DeferredAnswer holds one).
    int dup() const { return ::fcntl(fd[0], F_DUPFD_CLOEXEC, 0); }
    // Reads n bytes on the client's end (fewer at end of file).
    std::string readAll(std::size_t n) {
        std::string s(n, '\0');
        std::size_t got = 0;
        while (got < n) {
            ssize_t r = ::read(fd[1], s.data() + got, n - got);
            if (r <= 0) break;
            got += static_cast<std::size_t>(r);
        }
        s.resize(got);
        return s;
    }
    // What the client's end has received so far, without waiting.
    std::string readAvailable() {
        std::string s;
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd[1], buf, sizeof buf, MSG_DONTWAIT)) > 0) s.append(buf, static_cast<std::size_t>(n));
        return s;
    }
};
