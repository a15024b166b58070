// The milter wire protocol (see protocol.h).
#include "protocol.h"

#include <cstring>

namespace v2v::milter::proto {
namespace {

std::uint32_t readU32(std::string_view d, std::size_t at) {
    if (d.size() < at + 4) throw ProtocolError("truncated packet");
    const auto* p = reinterpret_cast<const unsigned char*>(d.data() + at);
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

void putU32(std::string& out, std::uint32_t v) {
    char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

// The NUL-terminated string at `at`; `at` moves past its NUL.
std::string cString(std::string_view d, std::size_t& at) {
    std::size_t nul = d.find('\0', at);
    if (nul == std::string_view::npos) throw ProtocolError("string without its terminating NUL");
    std::string s(d.substr(at, nul - at));
    at = nul + 1;
    return s;
}

}  // namespace

std::pair<char*, std::size_t> PacketReader::space(std::size_t want) {
    if (begin_ == end_) begin_ = end_ = 0;
    if (buf_.size() - end_ < want) {
        // Move the unread bytes to the front before growing.
        if (begin_ > 0) {
            std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (buf_.size() - end_ < want) buf_.resize(end_ + want);
    }
    return {buf_.data() + end_, buf_.size() - end_};
}

std::optional<Packet> PacketReader::next() {
    std::string_view avail(buf_.data() + begin_, end_ - begin_);
    if (avail.size() < 4) return std::nullopt;
    std::uint32_t len = readU32(avail, 0);
    if (len == 0) throw ProtocolError("packet of length 0");
    if (len - 1 > maxData_) throw ProtocolError("packet of " + std::to_string(len) + " bytes exceeds the limit");
    if (avail.size() < 4 + std::size_t(len)) return std::nullopt;
    Packet p{avail[4], avail.substr(5, len - 1)};
    begin_ += 4 + len;
    return p;
}

void appendPacket(std::string& out, char command, std::string_view data) {
    putU32(out, static_cast<std::uint32_t>(data.size() + 1));
    out.push_back(command);
    out.append(data);
}

Options parseOptions(std::string_view data) {
    if (data.size() < 12) throw ProtocolError("option negotiation shorter than 12 bytes");
    return Options{readU32(data, 0), readU32(data, 4), readU32(data, 8)};
}

std::string encodeOptions(const Options& o, const std::vector<std::pair<std::uint32_t, std::string>>& symlists) {
    std::string d;
    putU32(d, o.version);
    putU32(d, o.actions);
    putU32(d, o.steps);
    for (const auto& [where, list] : symlists) {
        putU32(d, where);
        d.append(list).push_back('\0');
    }
    return d;
}

ConnectInfo parseConnect(std::string_view data) {
    ConnectInfo c;
    std::size_t at = 0;
    c.hostname = cString(data, at);
    if (at >= data.size()) throw ProtocolError("connect without an address family");
    c.family = data[at++];
    if (c.family == 'U') return c;
    if (c.family != 'L' && c.family != '4' && c.family != '6')
        throw ProtocolError(std::string("connect with unknown address family '") + c.family + "'");
    if (data.size() < at + 2) throw ProtocolError("connect without a port");
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
    c.port = (p[0] << 8) | p[1];
    at += 2;
    c.address = cString(data, at);
    return c;
}

std::vector<std::string> parseStrings(std::string_view data) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < data.size()) out.push_back(cString(data, at));
    return out;
}

Macros parseMacros(std::string_view data) {
    if (data.empty()) throw ProtocolError("macro packet without its command");
    Macros m;
    m.forCommand = data[0];
    std::size_t at = 1;
    while (at < data.size()) {
        std::string name = cString(data, at);
        if (at >= data.size()) throw ProtocolError("macro " + name + " without a value");
        std::string value = cString(data, at);
        m.values.emplace_back(std::move(name), std::move(value));
    }
    return m;
}

HeaderField parseHeader(std::string_view data) {
    std::size_t at = 0;
    HeaderField h;
    h.name = cString(data, at);
    h.value = cString(data, at);
    if (h.name.empty()) throw ProtocolError("header without a name");
    return h;
}

std::string headerEditData(std::uint32_t index, std::string_view name, std::string_view value) {
    std::string d;
    d.reserve(4 + name.size() + value.size() + 2);
    putU32(d, index);
    d.append(name).push_back('\0');
    d.append(value).push_back('\0');
    return d;
}

}  // namespace v2v::milter::proto
