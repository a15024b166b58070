// The direction decision (see direction.h).
#include "direction.h"

#include <sys/socket.h>

#include <algorithm>

namespace v2v::milter {

const char* directionName(Direction d) { return d == Direction::outbound ? "outbound" : "inbound"; }

DirectionDecision decideDirection(const ClientInfo& client, const DirectionPolicy& policy) {
    if (client.localSubmission) return {Direction::outbound, "local submission"};
    if (policy.authenticated && !client.authUser.empty()) return {Direction::outbound, "authenticated"};
    if (!client.daemonName.empty() &&
        std::find(policy.daemonNames.begin(), policy.daemonNames.end(), client.daemonName) !=
            policy.daemonNames.end())
        return {Direction::outbound, "daemon " + client.daemonName};
    if (client.addr && policy.internalNetworks.contains(*client.addr))
        return {Direction::outbound, "internal network"};
    return {Direction::inbound, "external client"};
}

bool isLocalSubmission(const std::string& hostname, const std::optional<IpAddress>& addr, int port) {
    if (port != 0 || hostname != "localhost" || !addr) return false;
    auto loop = parseIp(addr->family == AF_INET ? "127.0.0.1" : "::1");
    return loop && loop->bytes == addr->bytes;
}

}  // namespace v2v::milter
