// The tracking stage (see tracking_stage.h): decides what a message gets and
// for whom, makes the tokens, and hands the body to the MIME rewrite.
#include "tracking_stage.h"

#include <memory>

#include "log.h"
#include "milter_metrics.h"
#include "tracking_mime.h"
#include "tracking_token.h"
#include "verp.h"

namespace v2v::milter {
namespace {

// One outcome, in the process counters and in Prometheus.
void count(std::atomic<std::uint64_t>& counter, const char* outcome) {
    ++counter;
    metrics::tracking(outcome);
}

struct Plan {
    TrackFeatures features;
    std::string source;  // for the log: "header", "user alice", "domain example.test"
    std::string clientId;
    bool correlate = false;  // the VERP return path may name the email and recipient
};

const MilterTrackingDefault* findDefault(const std::vector<MilterTrackingDefault>& list, const std::string& key) {
    for (const auto& d : list)
        if (iequals(d.match, key)) return &d;
    return nullptr;
}

Plan fromDefault(const MilterTrackingDefault& d, std::string source) {
    Plan p;
    p.features.opens = d.opens;
    p.features.clicks = d.clicks;
    p.clientId = d.client_id;
    p.source = std::move(source);
    return p;
}

Plan plan(const Config& cfg, const OutboundContext& ctx, const HeaderList& headers) {
    const MilterTrackingConfig& t = cfg.milter.tracking;
    // A SASL-authenticated sender is outbound but not the operator's own
    // machinery: its X-V2V-* headers and VERP return path are not trusted (they
    // would let one tenant mint tokens for another's mail); it gets its
    // milter.tracking.users entry, counted for that entry's client only.
    if (!ctx.authUser.empty()) {
        const MilterTrackingDefault* d = findDefault(t.users, ctx.authUser);
        return d ? fromDefault(*d, "user " + logSafe(ctx.authUser, 64)) : Plan{};
    }
    const std::string& prefix = cfg.milter.internal_header_prefix;
    Plan p;
    p.correlate = true;
    if (auto v = headerValue(ctx.internal, prefix + "Track")) {
        p.features = parseTrackHeader(*v);
        p.source = "header";
        return p;
    }
    if (headerValue(ctx.internal, prefix + "Email-Id")) return p;  // the gateway decided: no tracking
    if (auto dom = fromDomain(headers))
        if (const MilterTrackingDefault* d = findDefault(t.domains, *dom)) {
            Plan q = fromDefault(*d, "domain " + *dom);
            q.correlate = true;
            return q;
        }
    return p;
}

// The http(s) URLs of the message's List-Unsubscribe field(s).
std::vector<std::string> listUnsubscribeUrls(const HeaderList& headers) {
    std::vector<std::string> out;
    for (const auto& h : headers) {
        if (!iequals(h.name, "List-Unsubscribe")) continue;
        for (std::size_t lt = h.value.find('<'); lt != std::string::npos; lt = h.value.find('<', lt + 1)) {
            std::size_t gt = h.value.find('>', lt);
            if (gt == std::string::npos) break;
            std::string url = h.value.substr(lt + 1, gt - lt - 1);
            if (istartsWith(url, "http://") || istartsWith(url, "https://")) out.push_back(url);
        }
    }
    return out;
}

class TrackingStage {
public:
    explicit TrackingStage(ConfigPtr cfg) : cfg_(std::move(cfg)) {
        const MilterTrackingConfig& t = cfg_->milter.tracking;
        limits_.maxBytes = static_cast<std::size_t>(t.max_message_bytes);
        limits_.maxDepth = t.max_depth;
        limits_.maxParts = t.max_parts;
        limits_.textLinks = t.text_links;
        for (const auto& d : t.excluded_domains) excluded_.push_back(lower(d));
    }

    // Any error leaves the message as it was (counted, and said in the log line).
    StageResult operator()(const OutboundContext& ctx, const HeaderList& headers, std::string_view body) const {
        try {
            return run(ctx, headers, body);
        } catch (const std::exception& e) {
            count(trackingCounters().failed, "failed");
            StageResult res;
            res.note = "track=failed (internal error: " + logSafe(e.what(), 200) + "); sent unchanged";
            return res;
        }
    }

private:
    ConfigPtr cfg_;
    MimeLimits limits_;
    std::vector<std::string> excluded_;

    StageResult run(const OutboundContext& ctx, const HeaderList& headers, std::string_view body) const {
        StageResult res;
        Plan p = plan(*cfg_, ctx, headers);
        if (!p.features.any()) return res;
        TrackingCounters& n = trackingCounters();
        const TrackingConfig& tc = cfg_->tracking;
        if (tc.keys.empty()) {
            count(n.failed, "failed");
            res.note = "track=off (tracking.keys is empty)";
            return res;
        }
        TrackingTarget who;
        auto tag = p.correlate ? parseVerpAddress(ctx.sender, cfg_->domains.verp_prefix, cfg_->domains.bounce_domain)
                               : std::nullopt;
        if (tag) {
            who.email_id = tag->email_id;
            who.recipient = tag->index;
        } else if (!p.clientId.empty()) {
            who.client_id = p.clientId;
        } else {
            count(n.uncorrelated, "uncorrelated");
            res.note = "track=skipped (no VERP return path to correlate)";
            return res;
        }
        const SigningKey& key = tc.keys.front();
        std::string what;
        if (p.features.opens || p.features.clicks) what = rewrite(p.features, who, key, headers, body, res);
        if (p.features.unsubscribe) what += listUnsubscribe(who, key, headers, res);
        bool failed = what.rfind(" failed", 0) == 0;
        if (failed) count(n.failed, "failed");
        else if (res.body || !res.setHeaders.empty()) count(n.rewritten, "rewritten");
        else count(n.unchanged, "unchanged");
        res.note = "track=" + std::string(p.features.opens ? "o" : "") + (p.features.clicks ? "c" : "") +
                   (p.features.unsubscribe ? "u" : "") + "(" + p.source + ")" + what;
        return res;
    }

    std::string rewrite(const TrackFeatures& f, const TrackingTarget& who, const SigningKey& key,
                        const HeaderList& headers, std::string_view body, StageResult& res) const {
        const std::string& base = cfg_->tracking.base_url;
        LinkPolicy policy;
        policy.trackingPrefix = base + kTrackingPath;
        policy.excludedDomains = excluded_;
        policy.keepUrls = listUnsubscribeUrls(headers);
        policy.opens = f.opens;
        policy.clicks = f.clicks;
        if (f.opens) {
            TrackingTarget t = who;
            t.kind = TokenKind::open;
            policy.pixelUrl = openUrl(base, makeToken(t, key));
        }
        policy.wrap = [&who, &key, &base](const std::string& url) {
            TrackingTarget t = who;
            t.kind = TokenKind::click;
            t.url = url;
            return clickUrl(base, makeToken(t, key));
        };
        MimeRewrite m = rewriteMime(headers, body, policy, limits_);
        if (m.outcome == MimeOutcome::failed) return " failed: " + m.reason + "; sent unchanged";
        if (m.outcome == MimeOutcome::unchanged) return " nothing to rewrite";
        res.body = std::move(m.body);
        for (auto& h : m.topHeaders) res.setHeaders.push_back(std::move(h));
        return " links=" + std::to_string(m.links) + " pixel=" + (m.pixel ? "1" : "0") +
               " parts=" + std::to_string(m.parts);
    }

    std::string listUnsubscribe(const TrackingTarget& who, const SigningKey& key, const HeaderList& headers,
                                StageResult& res) const {
        if (who.email_id.empty() || who.recipient < 0) return " list-unsubscribe=no (no recipient)";
        if (headerValue(headers, "List-Unsubscribe")) return " list-unsubscribe=kept";
        TrackingTarget t = who;
        t.kind = TokenKind::unsubscribe;
        res.setHeaders.push_back({"List-Unsubscribe", " <" + unsubscribeUrl(cfg_->tracking.base_url, makeToken(t, key)) + ">"});
        res.setHeaders.push_back({"List-Unsubscribe-Post", " List-Unsubscribe=One-Click"});
        return " list-unsubscribe=added";
    }
};

}  // namespace

TrackFeatures parseTrackHeader(std::string_view value) {
    TrackFeatures f;
    std::size_t pos = 0;
    while (pos <= value.size()) {
        std::size_t comma = value.find(',', pos);
        std::string word = lower(value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        std::size_t b = word.find_first_not_of(" \t\r\n"), e = word.find_last_not_of(" \t\r\n");
        word = b == std::string::npos ? "" : word.substr(b, e - b + 1);
        if (word == "opens") f.opens = true;
        else if (word == "clicks") f.clicks = true;
        else if (word == "unsubscribe") f.unsubscribe = true;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return f;
}

TrackingCounters& trackingCounters() {
    static TrackingCounters c;
    return c;
}

BodyRewriter makeTrackingStage(const ConfigPtr& config) {
    auto stage = std::make_shared<const TrackingStage>(config);
    return [stage](const OutboundContext& ctx, const HeaderList& headers, std::string_view body) {
        return (*stage)(ctx, headers, body);
    };
}

}  // namespace v2v::milter
