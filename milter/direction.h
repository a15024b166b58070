// Which way a message goes. Outbound = the client is in the internal networks,
// or SASL-authenticated, or its {daemon_name} is listed, or the mail was
// submitted with sendmail(1) (non_smtpd_milters); everything else is inbound.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "network.h"

namespace v2v::milter {

enum class Direction { inbound, outbound };
const char* directionName(Direction d);

struct ClientInfo {
    std::optional<IpAddress> addr;  // none for unix-socket or unknown clients
    std::string authUser;           // {auth_authen}; empty = not authenticated
    std::string daemonName;         // {daemon_name}
    bool localSubmission = false;   // sendmail(1)/pickup mail (see isLocalSubmission)
};

struct DirectionPolicy {
    NetworkList internalNetworks;
    bool authenticated = true;
    std::vector<std::string> daemonNames;
};

struct DirectionDecision {
    Direction direction = Direction::inbound;
    std::string reason;  // for the log: "internal network", "authenticated", ...
};

DirectionDecision decideDirection(const ClientInfo& client, const DirectionPolicy& policy);

// Postfix hands non-SMTP mail (sendmail, pickup) to non_smtpd_milters as a
// connection from "localhost" at 127.0.0.1 port 0; no TCP client has port 0.
bool isLocalSubmission(const std::string& hostname, const std::optional<IpAddress>& addr, int port);

}  // namespace v2v::milter
