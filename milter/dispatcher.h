// One milter connection's protocol state: takes the MTA's packets one by one,
// drives a Session, and appends the reply packets to send back. No sockets
// here (engine.cc does the I/O), so the whole protocol is unit-tested by
// feeding packets.
//
// What is negotiated: headers, end of headers, body chunks, connect and HELO
// get no reply (the MTA pipelines them), RCPT, DATA and unknown commands are
// not sent at all, header values keep their leading space, and the MTA sends
// only the macros the milter reads. Modifications are only possible at the
// end of the message; they are collected and sent with the final reply in one
// write, and dropped when the message is rejected or deferred.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "session.h"

namespace v2v::milter {

// The runtime every new connection and message uses (swapped on reload).
RuntimeHolder& currentRuntime();

class Dispatcher {
public:
    explicit Dispatcher(Session::RuntimeSource source);
    ~Dispatcher();

    enum class After { more, close };
    // Handles one packet and appends the replies to `out`. Throws
    // proto::ProtocolError when the MTA breaks the protocol.
    After handle(char command, std::string_view data, std::string& out);
    // Between MAIL FROM and the end (or abort) of the message.
    bool inMessage() const { return inMessage_; }

    // Macro values by stage, as the MTA sent them.
    class Macros {
    public:
        void set(char forCommand, std::vector<std::pair<std::string, std::string>> values);
        // "i" also finds "{i}" and the reverse, as libmilter does.
        std::optional<std::string> get(std::string_view name) const;
        void clearFrom(std::size_t stage);

    private:
        std::array<std::vector<std::pair<std::string, std::string>>, 7> stages_;
    };

private:
    class Io;
    Session::RuntimeSource source_;
    std::unique_ptr<Session> session_;
    Macros macros_;
    std::uint32_t actions_ = 0, steps_ = 0;  // what the MTA agreed to
    bool inMessage_ = false;
    std::string reply_;   // a reply text set for the next reject/tempfail
    std::string* edits_ = nullptr;  // where edits go: set only during the end of the message
    // Verdicts from steps that get no reply: from connect or HELO (answers
    // every MAIL FROM of the connection), from a header or the body (answers
    // the end of the message).
    Verdict pendingConnection_ = Verdict::cont, pending_ = Verdict::cont;

    void negotiate(std::string_view data, std::string& out);
    template <class F>
    Verdict guarded(const char* stage, F f);
    // Appends the reply for `v` unless the MTA was told that `noReplyStep` gets none.
    void answer(Verdict v, std::uint32_t noReplyStep, std::string& out);
    Verdict body(std::string_view chunk);
    void endOfMessage(std::string& out);
    void endMessage();
};

}  // namespace v2v::milter
