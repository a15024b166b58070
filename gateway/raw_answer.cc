// Direct answers on a client's socket (see raw_answer.h).
#include "raw_answer.h"

#include <sys/socket.h>

#include <cerrno>

namespace v2v::gw {

std::string rawAnswer(std::string_view httpVersion, int status, std::string_view reason,
                      const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
    std::string out;
    out.reserve(128 + body.size() + 48 * headers.size());
    out.append(httpVersion).append(" ").append(std::to_string(status)).append(" ").append(reason).append("\r\n");
    for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    out.append(body);
    return out;
}

RawWrite writeRawAnswer(int fd, std::string_view bytes) {
    ssize_t n;
    do {
        n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(bytes.size())) return RawWrite::sent;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)) return RawWrite::gone;
    // Part of it, or nothing for another reason (a full buffer, ENOBUFS):
    // the client must not wait for the rest, nor get it mixed with later bytes.
    ::shutdown(fd, SHUT_RDWR);
    return RawWrite::stuck;
}

}  // namespace v2v::gw
