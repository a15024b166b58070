// An HTTP answer written straight to the client's socket by the thread that
// has it (the send committer's answerer), instead of being queued to the
// connection's Pistache thread: that hand-off cost every deferred answer an
// eventfd write and a wake-up of the HTTP thread. Pure parts here, for the tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v2v::gw {

// The whole answer: status line, the headers given, Content-Length, body.
std::string rawAnswer(std::string_view httpVersion, int status, std::string_view reason,
                      const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body);

enum class RawWrite {
    sent,   // all of it
    gone,   // the client has closed or reset the connection: nothing to do
    stuck,  // not written whole (a client not reading its answers, or out of buffers): connection shut down
};

// One non-blocking send(2) of `bytes` on `fd` (no SIGPIPE). An answer of a
// few hundred bytes always fits in an idle socket's buffer; a partial write
// means the client has not read earlier answers, and the connection is shut
// down rather than block the thread or interleave bytes later.
RawWrite writeRawAnswer(int fd, std::string_view bytes);

}  // namespace v2v::gw
