// One milter connection: its client facts, and the message in progress.
// The protocol dispatcher (dispatcher.cc) calls these methods, one per milter
// command; tests drive them directly through a recording MilterIo.
//
// Outbound (direction.h): internal X-V2V-* headers are removed, the body goes
// through the rewrite stages, then every chosen key signs the final message.
// Inbound: SPF at MAIL FROM (reject/tempfail/tag per policy), DKIM verified
// while the body streams, forged Authentication-Results removed, ours added.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth_results.h"
#include "direction.h"
#include "headers.h"
#include "milter_io.h"
#include "network.h"
#include "runtime.h"

namespace v2v::milter {

class DkimVerifier;

enum class Verdict { cont, accept, reject, tempfail };

class Session {
public:
    using RuntimeSource = std::function<std::shared_ptr<const Runtime>()>;
    explicit Session(RuntimeSource source);
    ~Session();

    Verdict connect(MilterIo& io, const std::string& hostname, const std::optional<IpAddress>& addr, int port);
    Verdict helo(MilterIo& io, const std::string& name);
    Verdict mailFrom(MilterIo& io, const std::string& sender);
    // Header values as received after the colon, leading whitespace included.
    void header(const std::string& name, const std::string& value);
    Verdict endOfHeaders(MilterIo& io);
    void body(std::string_view chunk);
    Verdict endOfMessage(MilterIo& io);
    // The MTA aborted the message: forget it, keep the connection facts.
    void abortMessage();
    // Maps an exception to milter.on_error and logs one line naming the queue id.
    Verdict failed(MilterIo& io, const char* stage, const std::exception& e);
    // A failure where no reply can be given (end of headers without a reply):
    // endOfMessage() then fails with it.
    void deferFailure(const char* stage, const std::string& what);

    const std::string& queueId() const { return queueId_; }
    Direction direction() const { return direction_.direction; }

private:
    struct Message;
    RuntimeSource source_;
    std::shared_ptr<const Runtime> rt_;
    // Connection facts.
    std::string hostname_, helo_;
    std::optional<IpAddress> addr_;
    int port_ = 0;
    std::string daemonName_;
    // Message state.
    std::string queueId_ = "NOQUEUE";
    DirectionDecision direction_;
    std::string authUser_, sender_;
    std::string deferred_;  // a failure waiting for the end of the message
    std::unique_ptr<Message> msg_;

    void checkSpf(MilterIo& io, Verdict& verdict);
    Verdict outbound(MilterIo& io, const HeaderList& received, const HeaderList& internal);
    Verdict inbound(MilterIo& io, const HeaderList& kept, std::size_t stripped);
    void refreshQueueId(MilterIo& io);
};

}  // namespace v2v::milter
