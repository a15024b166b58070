// IP address parsing and CIDR matching (see network.h).
#include "network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

#include "config.h"

namespace v2v::milter {
namespace {

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address.
IpAddress unmap(const IpAddress& a) {
    static const std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a.family != AF_INET6 || std::memcmp(a.bytes.data(), prefix, 12) != 0) return a;
    IpAddress v4;
    v4.family = AF_INET;
    std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
    return v4;
}

int width(int family) { return family == AF_INET ? 32 : 128; }

bool samePrefix(const IpAddress& a, const IpAddress& b, int bits) {
    int full = bits / 8;
    if (std::memcmp(a.bytes.data(), b.bytes.data(), full) != 0) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a.bytes[full] & mask) == (b.bytes[full] & mask);
}

}  // namespace

std::string IpAddress::str() const {
    char buf[INET6_ADDRSTRLEN] = "";
    if (family == AF_INET || family == AF_INET6) inet_ntop(family, bytes.data(), buf, sizeof buf);
    return buf;
}

std::optional<IpAddress> parseIp(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    std::string s(text);
    // Postfix writes IPv6 client addresses with an "IPv6:" prefix in some places.
    if (s.size() > 5 && strncasecmp(s.c_str(), "IPv6:", 5) == 0) s.erase(0, 5);
    IpAddress a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return unmap(a);
    }
    return std::nullopt;
}

bool Network::contains(const IpAddress& a) const {
    return a.family == base.family && samePrefix(a, base, bits);
}

Network parseNetwork(std::string_view text) {
    auto slash = text.find('/');
    auto addr = parseIp(text.substr(0, slash));
    if (!addr) throw std::invalid_argument("must be an IP address or network (CIDR)");
    Network n;
    n.base = *addr;
    n.bits = width(addr->family);
    if (slash != std::string_view::npos) {
        std::string_view bits = text.substr(slash + 1);
        int v = 0;
        if (bits.empty() || bits.size() > 3) throw std::invalid_argument("bad prefix length");
        for (char ch : bits) {
            if (ch < '0' || ch > '9') throw std::invalid_argument("bad prefix length");
            v = v * 10 + (ch - '0');
        }
        // "::ffff:10.0.0.0/104" was unmapped to IPv4: shift the prefix with it.
        bool mappedV6 = text.substr(0, slash).find(':') != std::string_view::npos &&
                        addr->family == AF_INET;
        if (mappedV6) v -= 96;
        if (v < 0 || v > width(addr->family)) throw std::invalid_argument("bad prefix length");
        n.bits = v;
    }
    // Clear host bits so the stored base is canonical.
    for (int i = 0; i < 16; ++i) {
        int keep = n.bits - i * 8;
        if (keep >= 8) continue;
        n.base.bytes[i] = keep <= 0 ? 0 : static_cast<std::uint8_t>(n.base.bytes[i] & (0xff << (8 - keep)));
    }
    return n;
}

NetworkList NetworkList::parse(const std::vector<std::string>& items, const std::string& keyPath) {
    NetworkList list;
    for (std::size_t i = 0; i < items.size(); ++i) {
        try {
            list.nets_.push_back(parseNetwork(items[i]));
        } catch (const std::invalid_argument& e) {
            throw ConfigError(keyPath + "[" + std::to_string(i) + "]: " + e.what());
        }
    }
    return list;
}

bool NetworkList::contains(const IpAddress& a) const {
    for (const auto& n : nets_)
        if (n.contains(a)) return true;
    return false;
}

}  // namespace v2v::milter
