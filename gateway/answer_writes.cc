// Batched answer writes (see answer_writes.h).
#include "answer_writes.h"

#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "log.h"

namespace v2v::gw {
namespace {

thread_local AnswerWrites* tCurrent = nullptr;

// One ring per answering thread, made at its first batch. io_uring_queue_init
// fails with ENOSYS, EPERM or ENOMEM where the kernel or a sandbox refuses
// it: the thread then writes with send(2), as without a batch.
class Ring {
public:
    static constexpr unsigned kEntries = 64;
    Ring() {
        const int rc = io_uring_queue_init(kEntries, &ring_, 0);
        ok_ = rc == 0;
        if (!ok_)
            V2V_LOG(info, "http") << "io_uring unavailable (" << std::strerror(-rc)
                                  << "); answers are written one send(2) at a time";
    }
    ~Ring() {
        if (ok_) io_uring_queue_exit(&ring_);
    }
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    bool ok() const { return ok_; }
    io_uring* get() { return &ring_; }
    // After a failure the ring is not used again: io_uring_queue_exit waits
    // for (or cancels) whatever it still has, before the answers' bytes go.
    void disable() {
        if (!ok_) return;
        io_uring_queue_exit(&ring_);
        ok_ = false;
        V2V_LOG(warning, "http") << "io_uring failed; answers are written one send(2) at a time from now on";
    }

private:
    io_uring ring_{};
    bool ok_ = false;
};

Ring& threadRing() {
    thread_local Ring ring;
    return ring;
}

// As writeRawAnswer() judges one send(2)'s result.
RawWrite judge(int res, std::size_t size, int fd) {
    if (res >= 0 && static_cast<std::size_t>(res) == size) return RawWrite::sent;
    if (res == -EPIPE || res == -ECONNRESET || res == -ENOTCONN) return RawWrite::gone;
    ::shutdown(fd, SHUT_RDWR);
    return RawWrite::stuck;
}

// Writes items [begin, end) (at most the ring's size) in one submission and
// records each one's result. False when the ring misbehaved (it must then be
// disabled); the items without a result are left to the caller.
bool writeChunk(io_uring* ring, std::vector<AnswerWrites::Item>& items, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
        io_uring_sqe* sqe = io_uring_get_sqe(ring);
        if (!sqe) return false;  // cannot happen: the ring is empty and has room for a chunk
        const auto& it = items[i];
        io_uring_prep_send(sqe, it.fd, it.bytes.data(), it.bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        io_uring_sqe_set_data64(sqe, i);
    }
    const unsigned n = static_cast<unsigned>(end - begin);
    int rc;
    do {
        rc = io_uring_submit_and_wait(ring, n);
    } while (rc == -EINTR);
    if (rc != static_cast<int>(n)) return false;
    for (unsigned got = 0; got < n; ++got) {
        io_uring_cqe* cqe = nullptr;
        int r;
        do {
            r = io_uring_wait_cqe(ring, &cqe);
        } while (r == -EINTR);
        if (r < 0) return false;
        const std::size_t i = io_uring_cqe_get_data64(cqe);
        if (i >= begin && i < end) items[i].result = judge(cqe->res, items[i].bytes.size(), items[i].fd);
        io_uring_cqe_seen(ring, cqe);
    }
    return true;
}

}  // namespace

AnswerWrites::AnswerWrites(Via via) : via_(via), outer_(std::exchange(tCurrent, this)) {}

AnswerWrites::~AnswerWrites() {
    tCurrent = outer_;
    try {
        flush();  // closes every descriptor, even when it throws
    } catch (...) {  // a destructor: nothing may escape
    }
}

AnswerWrites* AnswerWrites::current() { return tCurrent; }

bool AnswerWrites::batched() { return threadRing().ok(); }

void AnswerWrites::add(int fd, std::string bytes, std::string who) {
    items_.push_back({fd, std::move(bytes), std::move(who), std::nullopt});
}

std::vector<RawWrite> AnswerWrites::flush() {
    std::vector<Item> items = std::move(items_);
    items_.clear();
    struct CloseLeft {  // whatever an exception leaves open
        std::vector<Item>& items;
        ~CloseLeft() {
            for (auto& it : items)
                if (it.fd >= 0) ::close(it.fd);
        }
    } closeLeft{items};
    std::size_t done = 0;  // items before this one were issued through the ring
    if (!items.empty() && via_ == Via::ring_when_possible)
        if (Ring& ring = threadRing(); ring.ok())
            while (done < items.size()) {
                const std::size_t end = std::min(items.size(), done + Ring::kEntries);
                const bool healthy = writeChunk(ring.get(), items, done, end);
                if (!healthy) ring.disable();  // waits for what it still had: its results are unknown
                done = end;
                if (!healthy) break;
            }
    std::vector<RawWrite> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        Item& it = items[i];
        if (!it.result)  // not issued, or issued with its outcome unknown: maybe part of it went out
            it.result = i >= done ? writeRawAnswer(it.fd, it.bytes) : judge(-EIO, it.bytes.size(), it.fd);
        out.push_back(*it.result);
        ::close(std::exchange(it.fd, -1));
        if (*it.result == RawWrite::stuck)
            V2V_LOG(warning, "http") << logSafe(it.who, 512)
                                     << ": the answer could not be written whole; connection closed";
    }
    return out;
}

}  // namespace v2v::gw
