// SMTP client I/O: sockets with poll() timeouts; protocol logic in smtp_protocol.cc.
#include "smtp_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace v2v::gw {
namespace {
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
}  // namespace

SmtpSession::~SmtpSession() { close(); }

void SmtpSession::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    inbuf_.clear();
}

void SmtpSession::connect() {
    close();
    struct addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* res = nullptr;
    int rc = getaddrinfo(cfg_.host.c_str(), std::to_string(cfg_.port).c_str(), &hints, &res);
    if (rc != 0) throw IoError("resolve " + cfg_.host + ": " + gai_strerror(rc));
    std::unique_ptr<struct addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
    std::string lastErr = "no address";
    for (auto* ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            lastErr = std::strerror(errno);
            ::close(fd);
            continue;
        }
        struct pollfd p {fd, POLLOUT, 0};
        int err = 0;
        socklen_t len = sizeof err;
        if (::poll(&p, 1, cfg_.timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
            lastErr = err ? std::strerror(err) : "connect timeout";
            ::close(fd);
            continue;
        }
        fd_ = fd;
        break;
    }
    if (fd_ < 0) throw IoError("connect " + cfg_.host + ":" + std::to_string(cfg_.port) + ": " + lastErr);
    SmtpReply greet = readReply();
    if (greet.code != 220) throw IoError("greeting: " + greet.str());
    writeAll("EHLO " + cfg_.helo + "\r\n");
    SmtpReply ehlo = readReply();
    if (ehlo.code != 250) throw IoError("EHLO: " + ehlo.str());
    caps_ = ehloKeywords(ehlo);
}

void SmtpSession::writeAll(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p {fd_, POLLOUT, 0};
            if (::poll(&p, 1, cfg_.timeout_ms) != 1) throw IoError("write timeout");
            continue;
        }
        throw IoError(std::string("write: ") + std::strerror(errno));
    }
}

std::string SmtpSession::readLine() {
    for (;;) {
        auto nl = inbuf_.find('\n');
        if (nl != std::string::npos) {
            std::string line = inbuf_.substr(0, nl);
            inbuf_.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        if (inbuf_.size() > 64 * 1024) throw IoError("reply line too long");
        struct pollfd p {fd_, POLLIN, 0};
        int pr = ::poll(&p, 1, cfg_.timeout_ms);
        if (pr == 0) throw IoError("read timeout");
        if (pr < 0) {
            if (errno == EINTR) continue;
            throw IoError(std::string("poll: ") + std::strerror(errno));
        }
        char buf[8192];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n == 0) throw IoError("connection closed by server");
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw IoError(std::string("read: ") + std::strerror(errno));
        }
        inbuf_.append(buf, static_cast<std::size_t>(n));
    }
}

SmtpReply SmtpSession::readReply() {
    ReplyParser parser;
    for (;;) {
        try {
            if (auto r = parser.feed(readLine())) return *r;
        } catch (const IoError&) {
            throw;
        } catch (const std::runtime_error& e) {
            throw IoError(e.what());
        }
    }
}

SmtpReply SmtpSession::send(const Envelope& env, const std::string& message) {
    const bool reused = fd_ >= 0;
    if (!reused) {
        try {
            connect();
        } catch (const IoError& e) {
            close();
            throw SmtpUnavailable(e.what());
        }
    }
    bool dataSent = false;
    try {
        bool dsn = caps_.count("DSN") > 0;
        std::string mail = "MAIL FROM:<" + env.mail_from + ">";
        if (caps_.count("SIZE")) mail += " SIZE=" + std::to_string(message.size());
        if (dsn) mail += " RET=HDRS ENVID=" + xtext(env.envid);
        std::string rcpt = "RCPT TO:<" + env.rcpt + ">";
        if (dsn) rcpt += " NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;" + xtext(env.rcpt);
        SmtpReply r;
        if (caps_.count("PIPELINING")) {
            writeAll(mail + "\r\n" + rcpt + "\r\nDATA\r\n");
            SmtpReply m = readReply(), rc = readReply(), d = readReply();
            if (!m.positive()) r = m;
            else if (!rc.positive()) r = rc;
            else if (d.code != 354) r = d;
        } else {
            writeAll(mail + "\r\n");
            SmtpReply m = readReply();
            if (!m.positive()) r = m;
            if (r.code == 0) {
                writeAll(rcpt + "\r\n");
                SmtpReply rc = readReply();
                if (!rc.positive()) r = rc;
            }
            if (r.code == 0) {
                writeAll("DATA\r\n");
                SmtpReply d = readReply();
                if (d.code != 354) r = d;
            }
        }
        if (r.code != 0) {
            // A refusal before DATA: the session stays usable after RSET.
            writeAll("RSET\r\n");
            SmtpReply rs = readReply();
            if (rs.code != 250) close();
            return r;
        }
        dataSent = true;
        writeAll(dotStuff(message));
        return readReply();
    } catch (const IoError& e) {
        close();
        // A kept-alive session that Postfix closed meanwhile (restart, idle
        // timeout) fails before the message was sent: once more on a new one.
        if (reused && !dataSent) return send(env, message);
        SmtpReply r;
        r.code = 0;
        r.text = e.what();
        return r;
    }
}

void SmtpSession::quit() {
    if (fd_ < 0) return;
    try {
        writeAll("QUIT\r\n");
        readReply();
    } catch (const IoError&) {
    }
    close();
}

}  // namespace v2v::gw
