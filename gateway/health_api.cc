// GET /api/v1/health/live and /health/ready (SQLite, Redis, Postfix SMTP).
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_util.h"
#include "resources.h"

namespace v2v::gw {
namespace {

// Connects to the SMTP server and reads a 220 greeting (then QUIT).
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

}  // namespace

void HealthApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    Routes::Get(r, "/api/v1/health/live", guarded(app_, false, [this](const Request&, ResponseWriter& w) {
                    sendJson(w, app_.draining ? 503 : 200, {{"status", app_.draining ? "draining" : "ok"}});
                }));
    Routes::Get(r, "/api/v1/health/ready", guarded(app_, false, [this](const Request&, ResponseWriter& w) {
                    nlohmann::json checks;
                    bool ok = !app_.draining;
                    try {
                        Stmt s = app_.db().prepare("SELECT 1");
                        s.step();
                        checks["sqlite"] = "ok";
                    } catch (const std::exception&) {
                        checks["sqlite"] = "unavailable";
                        ok = false;
                    }
                    bool redisOk = app_.redis().ping();
                    checks["redis"] = redisOk ? "ok" : "unavailable";
                    ok = ok && redisOk;
                    std::string smtp = checkSmtp(app_.config().gateway.smtp);
                    checks["postfix"] = smtp.empty() ? "ok" : "unavailable";
                    ok = ok && smtp.empty();
                    sendJson(w, ok ? 200 : 503, {{"status", ok ? "ok" : "unavailable"}, {"checks", checks}});
                }));
}

}  // namespace v2v::gw
