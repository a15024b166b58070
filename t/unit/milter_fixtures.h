// Shared helpers of the milter unit tests: test data paths, configurations,
// a recording MilterIo and a tiny model of how Postfix applies milter edits,
// so a session's output can be checked by an independent DKIM verification.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config.h"
#include "headers.h"
#include "milter_io.h"
#include "runtime.h"
#include "session.h"

namespace milter_test {

using namespace v2v;
using namespace v2v::milter;

inline std::string dataPath(const std::string& name) {
    return std::string(V2V_SRCDIR) + "/t/data/milter/" + name;
}

inline std::string readData(const std::string& name) {
    std::ifstream in(dataPath(name), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A configuration with the test keys (RSA-2048 rsa1 + Ed25519 ed1 for
// example.test), test key records instead of DNS, and `extra` YAML appended
// under milter: (indented by the caller with four spaces for milter.* keys).
inline std::string milterYaml(const std::string& extraMilter = "", const std::string& extraDkim = "") {
    return "log:\n  level: error\n"
           "milter:\n"
           "  authserv_id: mx.v2v.test\n" +
           extraMilter +
           "  dkim:\n"
           "    test_keys_file: " + dataPath("keys.records") + "\n"
           "    keys:\n"
           "      - {domain: example.test, selector: rsa1, key_file: " + dataPath("rsa2048.pem") + "}\n"
           "      - {domain: example.test, selector: ed1, key_file: " + dataPath("ed25519.pem") +
           ", algorithm: ed25519-sha256}\n" + extraDkim;
}

inline std::shared_ptr<const Runtime> runtimeFrom(const std::string& yaml) {
    return Runtime::build(std::make_shared<const Config>(parseConfig(yaml, "test.yaml")));
}

// Records what the session asked libmilter to do.
class RecordingIo : public MilterIo {
public:
    std::map<std::string, std::string> macros;
    struct Insert {
        int index;
        std::string name, value;
    };
    std::vector<Insert> inserted;
    std::vector<HeaderRef> deleted;
    std::vector<Insert> changed;  // smfi_chgheader with a value: set, or add when absent
    bool bodyReplaced = false;
    std::string newBody;
    std::string rcode, xcode, replyText;
    bool failInsert = false;  // make insertHeader fail (an MTA error)

    std::optional<std::string> macro(const char* name) override {
        auto it = macros.find(name);
        if (it == macros.end()) return std::nullopt;
        return it->second;
    }
    void insertHeader(int index, const std::string& name, const std::string& value) override {
        if (failInsert) throw MilterIoError("smfi_insheader failed");
        inserted.push_back({index, name, value});
    }
    void deleteHeader(const std::string& name, int index) override { deleted.push_back({name, index}); }
    void changeHeader(const std::string& name, int index, const std::string& value) override {
        changed.push_back({index, name, value});
    }
    void replaceBody(std::string_view body) override {
        bodyReplaced = true;
        newBody.append(body);
    }
    void setReply(const std::string& r, const std::string& x, const std::string& t) override {
        rcode = r;
        xcode = x;
        replyText = t;
    }
};

struct Message {
    HeaderList headers;
    std::string body;  // CRLF lines
};

// Splits a message written with "\n" line ends into milter-style headers
// (value keeps its leading space, folded lines joined with "\n") and a CRLF body.
inline Message parseMessage(const std::string& text) {
    Message m;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        std::string line = text.substr(pos, eol - pos);
        pos = eol == std::string::npos ? text.size() : eol + 1;
        if (line.empty()) break;
        if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
            m.headers.back().value += "\n" + line;
            continue;
        }
        auto colon = line.find(':');
        m.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
    for (; pos < text.size();) {
        std::size_t eol = text.find('\n', pos);
        m.body += text.substr(pos, eol - pos) + "\r\n";
        pos = eol == std::string::npos ? text.size() : eol + 1;
    }
    return m;
}

// Applies the recorded edits the way Postfix does: deletions by name and
// 1-based index among the current headers, insertions at a position.
inline Message applyEdits(Message m, const RecordingIo& io) {
    for (const auto& d : io.deleted) {
        int seen = 0;
        for (auto it = m.headers.begin(); it != m.headers.end(); ++it)
            if (iequals(it->name, d.name) && ++seen == d.index) {
                m.headers.erase(it);
                break;
            }
    }
    for (const auto& c : io.changed) {
        int seen = 0;
        bool done = false;
        for (auto& h : m.headers)
            if (iequals(h.name, c.name) && ++seen == c.index) {
                h.value = c.value;
                done = true;
                break;
            }
        if (!done) m.headers.push_back(Header{c.name, c.value});
    }
    for (const auto& ins : io.inserted)
        m.headers.insert(m.headers.begin() + std::min<std::size_t>(ins.index, m.headers.size()),
                         Header{ins.name, ins.value});
    if (io.bodyReplaced) m.body = io.newBody;
    return m;
}

// Runs one message through a session: connect, helo, MAIL FROM, headers, body, eom.
struct Run {
    Verdict mail = Verdict::cont, eoh = Verdict::cont, eom = Verdict::cont;
};
inline Run runSession(Session& s, RecordingIo& io, const Message& m, const std::string& client,
                      const std::string& sender, const std::string& helo = "client.remote.test",
                      int port = 40000, const std::string& hostname = "client.remote.test") {
    Run r;
    io.macros["i"] = "4XyZ1Q";
    s.connect(io, hostname, parseIp(client), port);
    s.helo(io, helo);
    r.mail = s.mailFrom(io, "<" + sender + ">");
    if (r.mail != Verdict::cont) return r;
    for (const auto& h : m.headers) s.header(h.name, h.value);
    r.eoh = s.endOfHeaders(io);
    if (r.eoh != Verdict::cont) return r;
    // Body in two chunks, as libmilter may deliver it.
    std::size_t half = m.body.size() / 2;
    s.body(std::string_view(m.body).substr(0, half));
    s.body(std::string_view(m.body).substr(half));
    r.eom = s.endOfMessage(io);
    return r;
}

}  // namespace milter_test
