// The milter wire protocol (version 6, as Postfix's milter8.c and sendmail's
// libmilter speak it), as pure functions: framing, command payloads, replies.
// A packet is a 4-byte big-endian length (command byte + data), the command
// byte, then the data. No I/O here; engine.cc reads and writes sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v2v::milter::proto {

// The MTA broke the protocol (bad length, truncated payload): the connection is dropped.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

constexpr std::uint32_t kVersion = 6;

// Commands, MTA -> filter.
namespace cmd {
constexpr char abort = 'A', body = 'B', connect = 'C', macro = 'D', endOfMessage = 'E', helo = 'H',
               quitNewConnection = 'K', header = 'L', mail = 'M', endOfHeaders = 'N', optneg = 'O',
               quit = 'Q', rcpt = 'R', data = 'T', unknown = 'U';
}
// Replies and modifications, filter -> MTA.
namespace reply {
constexpr char accept = 'a', replaceBody = 'b', cont = 'c', insertHeader = 'i', changeHeader = 'm',
               optneg = 'O', reject = 'r', tempfail = 't', replyCode = 'y';
}
// Actions the filter may take (SMFIF_*).
namespace action {
constexpr std::uint32_t addHeaders = 0x01, changeBody = 0x02, changeHeaders = 0x10, setSymlist = 0x100;
}
// Protocol steps the filter can skip or not answer (SMFIP_*).
namespace step {
constexpr std::uint32_t noRcpt = 0x08, noUnknown = 0x100, noData = 0x200, nrConnect = 0x1000,
                        nrHelo = 0x2000, nrHeader = 0x80, nrEndOfHeaders = 0x40000, nrBody = 0x80000,
                        headerLeadingSpace = 0x100000;
}
// Macro stages of a symbol list (SMFIM_*).
namespace stage {
constexpr std::uint32_t connect = 0, helo = 1, mail = 2, rcpt = 3, data = 4, endOfMessage = 5,
                        endOfHeaders = 6;
}

struct Packet {
    char command;
    std::string_view data;  // valid until the reader is written to again
};

// Accumulates bytes from a stream and cuts them into packets.
class PacketReader {
public:
    explicit PacketReader(std::size_t maxData) : maxData_(maxData) {}
    // Room for at least `want` more bytes; write into it, then commit() what was written.
    std::pair<char*, std::size_t> space(std::size_t want);
    void commit(std::size_t n) { end_ += n; }
    // The next complete packet, nullopt when more bytes are needed.
    std::optional<Packet> next();
    bool empty() const { return begin_ == end_; }

private:
    std::size_t maxData_;
    std::string buf_;
    std::size_t begin_ = 0, end_ = 0;
};

// Appends one packet to `out`.
void appendPacket(std::string& out, char command, std::string_view data);

struct Options {
    std::uint32_t version = 0, actions = 0, steps = 0;
};
Options parseOptions(std::string_view data);
// The filter's answer to option negotiation, with the macros it wants per stage.
std::string encodeOptions(const Options& o, const std::vector<std::pair<std::uint32_t, std::string>>& symlists);

struct ConnectInfo {
    std::string hostname;
    char family = 'U';  // 'U' unknown, 'L' unix socket, '4' IPv4, '6' IPv6
    int port = 0;
    std::string address;
};
ConnectInfo parseConnect(std::string_view data);

// NUL-terminated strings one after another (MAIL/RCPT arguments, HELO).
std::vector<std::string> parseStrings(std::string_view data);

struct Macros {
    char forCommand = 0;
    std::vector<std::pair<std::string, std::string>> values;
};
Macros parseMacros(std::string_view data);

struct HeaderField {
    std::string name, value;
};
HeaderField parseHeader(std::string_view data);

// The payload of an insert-header or change-header reply (an empty value deletes).
std::string headerEditData(std::uint32_t index, std::string_view name, std::string_view value);

}  // namespace v2v::milter::proto
