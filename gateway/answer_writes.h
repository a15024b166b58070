// The answers of a batch handed to the kernel together. The answering thread
// writes each deferred answer straight to its client's socket (raw_answer.h);
// every send(2) wakes that client, and on these machines the woken client
// usually takes the core at once, so a batch of 16 answers cost the answerer
// about 11 preemptions. Inside an AnswerWrites scope the writes are collected
// and issued in one io_uring_enter(2): the clients wake as before, but the
// answerer gives up the core at most once, when that call returns. Without
// io_uring (an old kernel, a sandbox that forbids it) they are written one by
// one, as before.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "raw_answer.h"

namespace v2v::gw {

class AnswerWrites {
public:
    enum class Via { ring_when_possible, one_by_one };  // one_by_one: send(2) each (as without io_uring)
    explicit AnswerWrites(Via via = Via::ring_when_possible);  // this thread's writes go here until the scope ends
    ~AnswerWrites();  // writes them (flush), then closes their descriptors
    AnswerWrites(const AnswerWrites&) = delete;
    AnswerWrites& operator=(const AnswerWrites&) = delete;

    // The innermost scope on this thread, or null.
    static AnswerWrites* current();

    // Takes `fd` over (closed after the write). `who` names the request in
    // the warning logged when the answer cannot be written whole (made safe
    // for the log only then).
    void add(int fd, std::string bytes, std::string who);
    // Writes everything added so far; returns how each went, in order of add().
    std::vector<RawWrite> flush();

    // Whether this thread's writes go through io_uring (false: one send(2) each).
    static bool batched();

    struct Item {  // one answer waiting for the flush
        int fd;
        std::string bytes;
        std::string who;
        std::optional<RawWrite> result;  // set once written (or given up)
    };

private:
    std::vector<Item> items_;
    const Via via_;
    AnswerWrites* outer_;
};

}  // namespace v2v::gw
