// IP addresses and CIDR network lists (IPv4 and IPv6) for the direction
// decision and the SPF bypass list. Pure: no I/O, no exceptions on lookups.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace v2v::milter {

struct IpAddress {
    int family = 0;  // AF_INET or AF_INET6; IPv4-mapped IPv6 is stored as AF_INET
    std::array<std::uint8_t, 16> bytes{};
    std::string str() const;
};

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" (stored as IPv4); nullopt if invalid.
std::optional<IpAddress> parseIp(std::string_view text);

struct Network {
    IpAddress base;  // host bits cleared
    int bits = 0;
    bool contains(const IpAddress& a) const;
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (= one host).
// Throws std::invalid_argument with a short reason.
Network parseNetwork(std::string_view text);

class NetworkList {
public:
    NetworkList() = default;
    // `keyPath` names the config key in error messages ("milter.x[2]: ...").
    static NetworkList parse(const std::vector<std::string>& items, const std::string& keyPath);
    bool contains(const IpAddress& a) const;
    bool empty() const { return nets_.empty(); }

private:
    std::vector<Network> nets_;
};

}  // namespace v2v::milter
