// Blocking SMTP client session to the local Postfix, kept open between messages.
// One transaction per envelope recipient (DESIGN.md correlation), pipelined
// (MAIL, RCPT, DATA in one write) when the server offers PIPELINING.
#pragma once

#include <set>
#include <stdexcept>
#include <string>

#include "config.h"
#include "smtp_protocol.h"

namespace v2v::gw {

struct Envelope {
    std::string mail_from;  // VERP return path
    std::string envid;      // DSN ENVID
    std::string rcpt;
};

// Postfix could not be reached or refused the session (connect, greeting,
// EHLO): an outage, not a verdict on any message. Thrown by SmtpSession::send.
struct SmtpUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SmtpSession {
public:
    explicit SmtpSession(SmtpConfig cfg) : cfg_(std::move(cfg)) {}
    ~SmtpSession();
    SmtpSession(const SmtpSession&) = delete;
    SmtpSession& operator=(const SmtpSession&) = delete;

    // Sends one message to one recipient. Returns the decisive reply: the first
    // negative one, or the final reply to the data. code 0 = the connection
    // broke during the transaction (transient); the session reconnects on the
    // next call. A kept-alive session found closed before the message was sent
    // is replaced at once. Throws SmtpUnavailable when no session can be opened.
    SmtpReply send(const Envelope& env, const std::string& message);
    void quit();
    bool connected() const { return fd_ >= 0; }

private:
    SmtpConfig cfg_;
    int fd_ = -1;
    std::string inbuf_;
    std::set<std::string> caps_;

    void connect();
    void close();
    void writeAll(const std::string& data);
    std::string readLine();
    SmtpReply readReply();
};

}  // namespace v2v::gw
