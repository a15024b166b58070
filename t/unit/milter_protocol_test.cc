// The milter protocol engine without Postfix: framing and payloads
// (protocol.h), one connection's command handling as Postfix drives it
// (dispatcher.h), and the socket engine's stop/drain behaviour (engine.h).
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "dispatcher.h"
#include "engine.h"
#include "milter_fixtures.h"
#include "protocol.h"

#if __has_include(<libmilter/mfdef.h>)
#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>
// The constants agree with sendmail's reference headers.
static_assert(v2v::milter::proto::step::nrHeader == SMFIP_NR_HDR);
static_assert(v2v::milter::proto::step::nrConnect == SMFIP_NR_CONN);
static_assert(v2v::milter::proto::step::nrHelo == SMFIP_NR_HELO);
static_assert(v2v::milter::proto::step::nrEndOfHeaders == SMFIP_NR_EOH);
static_assert(v2v::milter::proto::step::nrBody == SMFIP_NR_BODY);
static_assert(v2v::milter::proto::step::noRcpt == SMFIP_NORCPT);
static_assert(v2v::milter::proto::step::noData == SMFIP_NODATA);
static_assert(v2v::milter::proto::step::noUnknown == SMFIP_NOUNKNOWN);
static_assert(v2v::milter::proto::step::headerLeadingSpace == SMFIP_HDR_LEADSPC);
static_assert(v2v::milter::proto::action::addHeaders == SMFIF_ADDHDRS);
static_assert(v2v::milter::proto::action::changeBody == SMFIF_CHGBODY);
static_assert(v2v::milter::proto::action::changeHeaders == SMFIF_CHGHDRS);
static_assert(v2v::milter::proto::action::setSymlist == SMFIF_SETSYMLIST);
static_assert(v2v::milter::proto::stage::mail == SMFIM_ENVFROM && v2v::milter::proto::stage::endOfHeaders == SMFIM_EOH);
static_assert(v2v::milter::proto::kVersion == SMFI_PROT_VERSION);
static_assert(v2v::milter::proto::cmd::quitNewConnection == SMFIC_QUIT_NC &&
              v2v::milter::proto::cmd::endOfMessage == SMFIC_BODYEOB && v2v::milter::proto::cmd::header == SMFIC_HEADER);
static_assert(v2v::milter::proto::reply::replyCode == SMFIR_REPLYCODE &&
              v2v::milter::proto::reply::insertHeader == SMFIR_INSHEADER &&
              v2v::milter::proto::reply::changeHeader == SMFIR_CHGHEADER &&
              v2v::milter::proto::reply::replaceBody == SMFIR_REPLBODY);
#endif

using namespace milter_test;
namespace p = v2v::milter::proto;

namespace {

// NUL-terminated strings one after another.
std::string z(std::initializer_list<std::string> parts) {
    std::string s;
    for (const auto& x : parts) s.append(x).push_back('\0');
    return s;
}

std::string u32(std::uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string packet(char cmd, const std::string& data) {
    std::string out;
    p::appendPacket(out, cmd, data);
    return out;
}

struct Reply {
    char cmd;
    std::string data;
};

std::vector<Reply> decode(const std::string& bytes) {
    p::PacketReader r(1 << 20);
    auto [buf, len] = r.space(bytes.size());
    BOOST_REQUIRE(len >= bytes.size());
    std::copy(bytes.begin(), bytes.end(), buf);
    r.commit(bytes.size());
    std::vector<Reply> out;
    while (auto pk = r.next()) out.push_back({pk->command, std::string(pk->data)});
    BOOST_TEST(r.empty());
    return out;
}

std::string commands(const std::vector<Reply>& rs) {
    std::string s;
    for (const auto& r : rs) s.push_back(r.cmd);
    return s;
}

// What Postfix offers: protocol 6, every action, every step flag.
const std::string kOffer = u32(6) + u32(0x1ff) + u32(0x1fffff);

std::string connect4(const std::string& host, const std::string& ip, int port) {
    return host + '\0' + '4' + char(port >> 8) + char(port & 255) + ip + '\0';
}

const char* kHeaders[][2] = {
    {"X-V2V-Email-Id", " 01HV5ZK6"},
    {"From", " Shop <orders@example.test>"},
    {"To", " bob@remote.test"},
    {"Subject", " Order 1"},
    {"Date", " Mon, 01 Jan 2024 10:00:00 +0000"},
    {"Message-ID", " <01HV5ZK6@example.test>"},
};

struct Conn {
    std::shared_ptr<const Runtime> rt;
    Dispatcher d;
    explicit Conn(std::shared_ptr<const Runtime> r) : rt(r), d([r] { return r; }) {}
    std::vector<Reply> send(char cmd, const std::string& data) {
        std::string out;
        BOOST_TEST((d.handle(cmd, data, out) == Dispatcher::After::more));
        return decode(out);
    }
};

std::shared_ptr<const Runtime> testRuntime(const std::string& extra = "") {
    return runtimeFrom(milterYaml("  spf:\n    test_zone_file: " + dataPath("spf.zone") + "\n" + extra));
}

// One outbound message as Postfix sends it after negotiation; returns the
// replies to the end of the message.
std::vector<Reply> outboundMessage(Conn& c) {
    BOOST_TEST(commands(c.send(p::cmd::mail, z({"<bounce+01HV5ZK6-0@bounces.example.test>", "SIZE=300"}))) == "c");
    BOOST_TEST(c.send(p::cmd::macro, "N" + z({"i", "4XyZ1Q"})).empty());
    for (const auto& h : kHeaders) BOOST_TEST(c.send(p::cmd::header, z({h[0], h[1]})).empty());
    BOOST_TEST(c.send(p::cmd::endOfHeaders, "").empty());
    BOOST_TEST(c.d.inMessage());
    BOOST_TEST(c.send(p::cmd::body, "Your order has shipped.\r\n").empty());
    BOOST_TEST(c.send(p::cmd::macro, "E" + z({"i", "4XyZ1Q"})).empty());
    return c.send(p::cmd::endOfMessage, "");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(milter_protocol)

BOOST_AUTO_TEST_CASE(framing_handles_split_and_batched_packets) {
    std::string bytes = packet('L', z({"Subject", " hi"})) + packet('N', "") + packet('B', "body\r\n");
    p::PacketReader r(1024);
    std::vector<std::string> seen;
    // One byte at a time, then everything at once: the same three packets.
    for (char ch : bytes) {
        auto [buf, len] = r.space(1);
        BOOST_REQUIRE(len >= 1);
        buf[0] = ch;
        r.commit(1);
        while (auto pk = r.next()) seen.push_back(std::string(1, pk->command) + std::string(pk->data));
    }
    BOOST_TEST(seen.size() == 3u);
    BOOST_TEST(seen[0] == "L" + z({"Subject", " hi"}));
    BOOST_TEST(seen[1] == "N");
    BOOST_TEST(seen[2] == "Bbody\r\n");
    BOOST_TEST(decode(bytes).size() == 3u);
}

BOOST_AUTO_TEST_CASE(framing_refuses_oversized_and_empty_packets) {
    p::PacketReader r(16);
    std::string big = u32(100) + "B";
    auto [buf, len] = r.space(big.size());
    std::copy(big.begin(), big.end(), buf);
    r.commit(big.size());
    BOOST_CHECK_THROW(r.next(), p::ProtocolError);
    p::PacketReader r2(16);
    std::string zero = u32(0);
    auto [b2, l2] = r2.space(4);
    std::copy(zero.begin(), zero.end(), b2);
    r2.commit(4);
    BOOST_CHECK_THROW(r2.next(), p::ProtocolError);
}

BOOST_AUTO_TEST_CASE(payload_parsers) {
    auto c = p::parseConnect(connect4("mx.remote.test", "192.0.2.7", 40001));
    BOOST_TEST(c.hostname == "mx.remote.test");
    BOOST_TEST(c.family == '4');
    BOOST_TEST(c.port == 40001);
    BOOST_TEST(c.address == "192.0.2.7");
    auto u = p::parseConnect(std::string("localhost\0U", 11));
    BOOST_TEST(u.family == 'U');
    BOOST_TEST(u.address.empty());
    BOOST_CHECK_THROW(p::parseConnect("no-nul"), p::ProtocolError);
    BOOST_CHECK_THROW(p::parseConnect(std::string("h\0" "4\0", 4)), p::ProtocolError);
    BOOST_CHECK_THROW(p::parseConnect(std::string("h\0X", 3)), p::ProtocolError);

    auto m = p::parseMacros("C" + z({"{daemon_name}", "ORIGINATING", "j", "mx"}));
    BOOST_TEST(m.forCommand == 'C');
    BOOST_TEST(m.values.size() == 2u);
    BOOST_TEST(m.values[0].second == "ORIGINATING");
    BOOST_CHECK_THROW(p::parseMacros("C" + z({"lonely"})), p::ProtocolError);

    auto h = p::parseHeader(z({"Subject", " x"}));
    BOOST_TEST(h.name == "Subject");
    BOOST_TEST(h.value == " x");
    BOOST_CHECK_THROW(p::parseHeader(z({"", "x"})), p::ProtocolError);
    BOOST_CHECK_THROW(p::parseHeader(std::string("Subject\0x", 9)), p::ProtocolError);

    auto o = p::parseOptions(kOffer);
    BOOST_TEST(o.version == 6u);
    BOOST_TEST(o.actions == 0x1ffu);
    BOOST_CHECK_THROW(p::parseOptions("short"), p::ProtocolError);
    BOOST_TEST(p::encodeOptions({6, 1, 2}, {{2, "{auth_authen}"}}) ==
               u32(6) + u32(1) + u32(2) + u32(2) + z({"{auth_authen}"}));
    BOOST_TEST(p::headerEditData(0, "DKIM-Signature", " v=1") == u32(0) + z({"DKIM-Signature", " v=1"}));
}

BOOST_AUTO_TEST_CASE(negotiation_asks_for_no_replies_and_few_macros) {
    Conn c(testRuntime());
    auto r = c.send(p::cmd::optneg, kOffer);
    BOOST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].cmd == 'O');
    auto o = p::parseOptions(r[0].data);
    BOOST_TEST(o.version == 6u);
    BOOST_TEST(o.actions == (p::action::addHeaders | p::action::changeBody | p::action::changeHeaders |
                             p::action::setSymlist));
    BOOST_TEST((o.steps & p::step::nrHeader) != 0u);
    BOOST_TEST((o.steps & p::step::headerLeadingSpace) != 0u);
    BOOST_TEST((o.steps & 0x4000u) == 0u);  // MAIL FROM is answered (SPF can reject there)
    BOOST_TEST(r[0].data.substr(12) == u32(0) + z({"{daemon_name}"}) + u32(2) + z({"{auth_authen}"}));
    // An MTA that offers less gets only what it offers.
    Conn old(testRuntime());
    auto r2 = old.send(p::cmd::optneg, u32(2) + u32(0x3) + u32(0x7f));
    auto o2 = p::parseOptions(r2[0].data);
    BOOST_TEST(o2.version == 2u);
    BOOST_TEST(o2.actions == 0x3u);
    BOOST_TEST((o2.steps & ~0x7fu) == 0u);
    BOOST_TEST(r2[0].data.size() == 12u);
    BOOST_CHECK_THROW(old.send(p::cmd::optneg, u32(1) + u32(0) + u32(0)), p::ProtocolError);
}

BOOST_AUTO_TEST_CASE(outbound_message_is_signed_in_one_batch_of_edits) {
    Conn c(testRuntime());
    c.send(p::cmd::optneg, kOffer);
    BOOST_TEST(c.send(p::cmd::macro, "C" + z({"{daemon_name}", "smtpd"})).empty());
    BOOST_TEST(c.send(p::cmd::connect, connect4("localhost", "127.0.0.1", 40000)).empty());
    BOOST_TEST(c.send(p::cmd::helo, z({"localhost"})).empty());
    auto r = outboundMessage(c);
    // The internal header removed, two signatures (RSA, Ed25519) inserted at the top, then continue.
    BOOST_TEST(commands(r) == "miic");
    BOOST_TEST(r[0].data == u32(1) + z({"X-V2V-Email-Id", ""}));
    BOOST_TEST(r[1].data.substr(0, 4) == u32(0));
    BOOST_TEST(r[1].data.find(z({"DKIM-Signature"})) == 4u);
    BOOST_TEST(r[1].data.find(" v=1; a=") != std::string::npos);  // leading space kept (negotiated)
    BOOST_TEST(!c.d.inMessage());
    // The next message on the same connection is signed too.
    BOOST_TEST(commands(outboundMessage(c)) == "miic");
    std::string out;
    BOOST_TEST((c.d.handle(p::cmd::quit, "", out) == Dispatcher::After::close));
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(without_leading_space_option_values_are_adapted) {
    Conn c(testRuntime());
    c.send(p::cmd::optneg, u32(6) + u32(0x1ff) + u32(0x1fffff & ~p::step::headerLeadingSpace));
    c.send(p::cmd::connect, connect4("localhost", "127.0.0.1", 40000));
    // Without the option the MTA sends "Order 1" and adds the space itself.
    BOOST_TEST(commands(c.send(p::cmd::mail, z({"<a@example.test>"}))) == "c");
    c.send(p::cmd::header, z({"From", "orders@example.test"}));
    c.send(p::cmd::header, z({"Subject", "Order 1"}));
    c.send(p::cmd::endOfHeaders, "");
    c.send(p::cmd::body, "x\r\n");
    auto r = c.send(p::cmd::endOfMessage, "");
    BOOST_TEST(commands(r) == "iic");
    BOOST_TEST(r[0].data.find(z({"DKIM-Signature"}) + "v=1;") == 4u);
}

BOOST_AUTO_TEST_CASE(spf_reject_at_mail_from_carries_the_reply_text) {
    Conn c(testRuntime());
    c.send(p::cmd::optneg, kOffer);
    c.send(p::cmd::connect, connect4("client.remote.test", "203.0.113.9", 40000));
    c.send(p::cmd::helo, z({"client.remote.test"}));
    auto r = c.send(p::cmd::mail, z({"<x@fail.test>"}));
    BOOST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].cmd == 'y');
    BOOST_TEST(r[0].data.rfind("550 5.7.23 ", 0) == 0u);
    BOOST_TEST(r[0].data.find("fail.test does not allow 203.0.113.9") != std::string::npos);
    BOOST_TEST(r[0].data.back() == '\0');
    BOOST_TEST(!c.d.inMessage());
}

BOOST_AUTO_TEST_CASE(failure_at_a_step_without_reply_answers_the_end_of_message) {
    // A message over the size limit fails at the end; one broken by a bad
    // header value is answered (tempfail) at the end and keeps no edits.
    Conn c(testRuntime("  max_message_bytes: 1024\n"));
    c.send(p::cmd::optneg, kOffer);
    c.send(p::cmd::connect, connect4("localhost", "127.0.0.1", 40000));
    c.send(p::cmd::mail, z({"<a@example.test>"}));
    c.send(p::cmd::header, z({"From", " orders@example.test"}));
    c.send(p::cmd::endOfHeaders, "");
    c.send(p::cmd::body, std::string(4000, 'x') + "\r\n");
    auto r = c.send(p::cmd::endOfMessage, "");
    BOOST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].cmd == 'y');
    BOOST_TEST(r[0].data.rfind("552 5.3.4 ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(abort_forgets_the_message_and_its_macros) {
    Conn c(testRuntime());
    c.send(p::cmd::optneg, kOffer);
    c.send(p::cmd::connect, connect4("localhost", "127.0.0.1", 40000));
    c.send(p::cmd::macro, "M" + z({"{auth_authen}", "alice"}));
    c.send(p::cmd::mail, z({"<a@example.test>"}));
    c.send(p::cmd::header, z({"From", " orders@example.test"}));
    BOOST_TEST(c.d.inMessage());
    BOOST_TEST(c.send(p::cmd::abort, "").empty());
    BOOST_TEST(!c.d.inMessage());
    // A fresh message after the abort is complete and signed: alice's
    // {auth_authen} (not a signing user, so unsigned) went with the abort.
    BOOST_TEST(commands(outboundMessage(c)) == "miic");
    // RCPT/DATA/unknown are negotiated away, but answered if sent.
    BOOST_TEST(commands(c.send(p::cmd::rcpt, z({"<x@y>"}))) == "c");
    std::string out;
    BOOST_CHECK_THROW(c.d.handle('Z', "", out), p::ProtocolError);
}

// As Postfix really sends it: macros before every step (each header and body
// chunk too, often with no values), an ABORT after each end of message, the
// client address of either family.
BOOST_AUTO_TEST_CASE(postfix_transcript_with_ipv6_and_abort_after_each_message) {
    auto message = [](Conn& c, const std::string& sender = "<a@example.test>") {
        c.send(p::cmd::macro, "M");
        BOOST_TEST(commands(c.send(p::cmd::mail, z({sender}))) == "c");
        for (const auto& h : kHeaders) {
            BOOST_TEST(c.send(p::cmd::macro, "L").empty());
            BOOST_TEST(c.send(p::cmd::header, z({h[0], h[1]})).empty());
        }
        c.send(p::cmd::macro, "N" + z({"i", "4XyZ1Q"}));
        c.send(p::cmd::endOfHeaders, "");
        c.send(p::cmd::macro, "B");
        c.send(p::cmd::body, "hello\r\n");
        c.send(p::cmd::macro, "E" + z({"i", "4XyZ1Q"}));
        auto r = c.send(p::cmd::endOfMessage, "");
        BOOST_TEST(c.send(p::cmd::abort, "").empty());
        return r;
    };
    // Loopback over IPv6 (with and without the "IPv6:" prefix): outbound, signed.
    for (std::string addr : {"::1", "IPv6:::1"}) {
        Conn c(testRuntime());
        c.send(p::cmd::optneg, kOffer);
        std::string conn = std::string("localhost") + '\0' + '6' + char(0) + char(25) + addr + '\0';
        BOOST_TEST(c.send(p::cmd::connect, conn).empty());
        BOOST_TEST(commands(message(c)) == "miic");
        BOOST_TEST(commands(message(c)) == "miic");
    }
    // A remote IPv6 client: inbound, Authentication-Results added, internal header removed, not signed.
    Conn in(testRuntime());
    in.send(p::cmd::optneg, kOffer);
    in.send(p::cmd::connect, std::string("mx.remote.test") + '\0' + '6' + char(0x9c) + char(0x40) + "2001:db8::7" + '\0');
    in.send(p::cmd::helo, z({"mx.remote.test"}));
    auto r = message(in, "<a@remote.test>");
    BOOST_TEST(commands(r) == "mic");
    BOOST_TEST(r[1].data.find(z({"Authentication-Results"})) == 4u);
    // A unix-socket client (family L, port 0, the socket path) is not on an internal network.
    Conn local(testRuntime());
    local.send(p::cmd::optneg, kOffer);
    local.send(p::cmd::connect, std::string("localhost") + '\0' + 'L' + char(0) + char(0) + "/run/x.sock" + '\0');
    BOOST_TEST(commands(message(local, "<a@remote.test>")).back() == 'c');
}

BOOST_AUTO_TEST_CASE(macro_lookup_by_either_spelling) {
    Dispatcher::Macros m;
    m.set('C', {{"{daemon_name}", "ORIGINATING"}, {"j", "mx"}});
    m.set('E', {{"i", "ABC"}});
    BOOST_TEST(*m.get("{daemon_name}") == "ORIGINATING");
    BOOST_TEST(*m.get("daemon_name") == "ORIGINATING");
    BOOST_TEST(*m.get("{i}") == "ABC");
    BOOST_TEST(*m.get("i") == "ABC");
    BOOST_TEST(!m.get("{auth_authen}"));
    m.clearFrom(p::stage::mail);
    BOOST_TEST(!m.get("i"));
    BOOST_TEST(*m.get("j") == "mx");
    m.set('L', {{"x", "ignored"}});  // not a stage the milter reads
    BOOST_TEST(!m.get("x"));
}

// The socket engine: an idle connection is closed at stop, one in the middle
// of a message is served to its end first.
BOOST_AUTO_TEST_CASE(engine_stop_finishes_the_message_in_progress) {
    auto rt = testRuntime();
    currentRuntime().set(rt);
    char dir[] = "/tmp/v2v-engine-XXXXXX";
    BOOST_REQUIRE(mkdtemp(dir) != nullptr);
    std::string path = std::string(dir) + "/m.sock";
    Engine engine("unix:" + path, 5);
    std::thread loop([&] { engine.run(); });

    auto dial = [&] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
        BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        return fd;
    };
    auto roundTrip = [](int fd, const std::string& bytes, std::size_t replies) {
        BOOST_REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
        std::string got;
        while (decode(got).size() < replies) {
            char buf[4096];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
        }
        return decode(got);
    };

    int idle = dial(), busy = dial();
    BOOST_TEST(commands(roundTrip(idle, packet('O', kOffer), 1)) == "O");
    // Everything up to the body in one write (the MTA pipelines steps without replies).
    std::string start = packet('O', kOffer) + packet('C', connect4("localhost", "127.0.0.1", 4000)) +
                        packet('M', z({"<a@example.test>"}));
    BOOST_TEST(commands(roundTrip(busy, start, 2)) == "Oc");

    engine.stop();
    char b;
    BOOST_TEST(::read(idle, &b, 1) == 0);  // closed
    std::string rest = packet('L', z({"From", " orders@example.test"})) + packet('N', "") +
                       packet('B', "hello\r\n") + packet('E', "");
    BOOST_TEST(commands(roundTrip(busy, rest, 1)).back() == 'c');
    BOOST_TEST(::read(busy, &b, 1) == 0);  // then closed: no new message after stop
    BOOST_TEST(engine.drain(std::chrono::seconds(5)));
    loop.join();
    ::close(idle);
    ::close(busy);
    ::unlink(path.c_str());
    ::rmdir(dir);
}

BOOST_AUTO_TEST_CASE(engine_refuses_a_bad_socket) {
    BOOST_CHECK_THROW(Engine("unix:/nonexistent-dir/x.sock", 5), std::runtime_error);
    BOOST_CHECK_THROW(Engine("inet:99999@127.0.0.1", 5), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
