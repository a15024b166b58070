// Shared helpers of the tracking tests: a configuration with tracking keys
// and VERP settings, and a message run through a whole milter Session.
#pragma once

#include <memory>
#include <string>

#include "milter_fixtures.h"
#include "tracking_stage.h"

namespace milter_test {

inline const char* kTrackBase = "https://t.example.test";
inline const char* kTrackEmail = "01HV5ZK6Q8R3G2F7XW9Y0ABCDE";
inline const char* kTrackSender = "bounce+01HV5ZK6Q8R3G2F7XW9Y0ABCDE-2@bounces.example.test";
inline const v2v::SigningKey kTrackKey{"g1", "golden-secret-0123456789abcdef0123"};

// `extraTracking`: more milter.tracking.* keys, indented by four spaces.
inline std::string trackingYaml(const std::string& extraTracking = "") {
    return std::string("tracking:\n  base_url: ") + kTrackBase +
           "\n  keys:\n    - {id: g1, secret: golden-secret-0123456789abcdef0123}\n"
           "    - {id: g0, secret: retired-secret-0123456789abcdef012}\n"
           "domains:\n  bounce_domain: bounces.example.test\n  verp_prefix: bounce\n" +
           milterYaml("  tracking:\n    excluded_domains: [noclick.example]\n" + extraTracking);
}

inline std::shared_ptr<const Runtime> trackingRuntime(const std::string& extraTracking = "") {
    return runtimeFrom(trackingYaml(extraTracking));
}

struct Tracked {
    RecordingIo io;
    Run run;
    Message out;  // the message as Postfix would pass it on
};

// Runs `in` through a Session as outbound mail from loopback (or `client`).
inline Tracked runTracked(const std::shared_ptr<const Runtime>& r, const Message& in,
                          const std::string& sender = kTrackSender, const std::string& client = "127.0.0.1") {
    Tracked t;
    Session s([r] { return r; });
    t.run = runSession(s, t.io, in, client, sender);
    t.out = applyEdits(in, t.io);
    return t;
}

// The message as text with "\n" line ends (headers, blank line, body).
inline std::string messageText(const Message& m) {
    std::string out;
    for (const auto& h : m.headers) {
        std::string line = h.name + ":" + h.value;
        out += line + "\n";
    }
    out += "\n";
    for (std::size_t i = 0; i < m.body.size(); ++i) {
        if (m.body[i] == '\r' && i + 1 < m.body.size() && m.body[i + 1] == '\n') continue;
        out.push_back(m.body[i]);
    }
    return out;
}

}  // namespace milter_test
