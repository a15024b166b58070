// SMTP readiness probe (see smtp_probe.h).
#include "smtp_probe.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace v2v::gw {

std::string checkSmtp(const SmtpConfig& c) {
    struct addrinfo hints {};
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* res = nullptr;
    if (getaddrinfo(c.host.c_str(), std::to_string(c.port).c_str(), &hints, &res) != 0 || !res)
        return "cannot resolve " + c.host;
    std::unique_ptr<struct addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "socket failed";
    struct timeval tv {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string result;
    if (::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        result = "connect failed";
    } else {
        char buf[512];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 3 || std::string(buf, 3) != "220") result = "no 220 greeting";
        else if (::send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL) < 0) result = "";
    }
    ::close(fd);
    return result;
}

}  // namespace v2v::gw
