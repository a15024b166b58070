// write(2) until every byte is written: a long write to a pipe, socket or file
// may be cut short (a signal, a full pipe), and the rest must not be dropped
// nor the next write glued to half a line.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace v2v {

// True when all `n` bytes were written; false on an error other than EINTR.
inline bool writeAll(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace v2v
