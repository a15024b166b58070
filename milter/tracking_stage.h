// The tracking stage of the outbound body pipeline (body_rewrite.h).
//
// What a message asks for: the internal header X-V2V-Track (a list of
// "opens", "clicks", "unsubscribe"; trusted because only outbound mail reaches
// a body stage, and removed from every message); without it, mail that the
// gateway made (X-V2V-Email-Id) is not tracked, and other mail takes the
// milter.tracking.domains entry of its From domain. A SASL-authenticated
// sender is outbound but not trusted with internal headers or VERP: it gets
// only its milter.tracking.users entry.
//
// Who it is for: the per-recipient VERP return path (DESIGN.md correlation)
// gives the email id and recipient index carried in every token; mail
// without one (and every SASL sender's mail) is tracked for the client_id of
// its default entry (no recipient, no List-Unsubscribe), or not at all.
//
// "unsubscribe" adds List-Unsubscribe (the recipient's one-click URL) and
// List-Unsubscribe-Post (RFC 8058) unless the message has a List-Unsubscribe.
// The signer of the same pass covers them (milter.dkim.signed_headers).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "body_rewrite.h"
#include "config.h"

namespace v2v::milter {

struct TrackFeatures {
    bool opens = false, clicks = false, unsubscribe = false;
    bool any() const { return opens || clicks || unsubscribe; }
};

// "opens, clicks,unsubscribe" in any order and case; unknown words are ignored.
TrackFeatures parseTrackHeader(std::string_view value);

// Process-wide outcome counters (all runtimes since start).
struct TrackingCounters {
    std::atomic<std::uint64_t> rewritten{0};     // body or headers changed
    std::atomic<std::uint64_t> unchanged{0};     // asked for, but nothing to rewrite
    std::atomic<std::uint64_t> failed{0};        // left unchanged: malformed MIME, unknown charset, error, limit
    std::atomic<std::uint64_t> uncorrelated{0};  // asked for, but no email id nor client to count for
};
TrackingCounters& trackingCounters();

// The stage, built from the configuration (throws ConfigError naming the key).
BodyRewriter makeTrackingStage(const ConfigPtr& config);

}  // namespace v2v::milter
