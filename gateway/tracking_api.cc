// /api/v1/tracking routes (see tracking_api.h). A token that does not verify,
// or is of the wrong kind, is answered 404: never an image, never a redirect.
#include "tracking_api.h"

#include <pistache/http.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "api_values.h"
#include "handler_prelude.h"
#include "http_util.h"
#include "ids.h"
#include "log.h"
#include "send_request.h"
#include "tracking_events.h"
#include "tracking_stats.h"
#include "tracking_token.h"
#include "unsubscribe.h"

namespace v2v::gw {
namespace {

namespace Http = Pistache::Http;

// A transparent 1x1 GIF89a: 43 bytes.
const unsigned char kPixel[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff, 0xff,
                                0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
                                0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
static_assert(sizeof kPixel == 43, "the tracking pixel is 43 bytes");

const char* const kEventTypes[] = {"submitted", "delivered", "deferred", "bounced", "complained", "opened",
                                   "clicked", "unsubscribed", "failed", "suppressed", "auto_replied"};

std::optional<TrackingTarget> tokenParam(App& app, const Request& req, TokenKind kind, const char* suffix = "") {
    std::string tok = req.param(":token").as<std::string>();
    std::string sfx = suffix;
    if (tok.size() <= sfx.size() || tok.compare(tok.size() - sfx.size(), sfx.size(), sfx) != 0) return std::nullopt;
    tok.resize(tok.size() - sfx.size());
    auto t = verifyToken(tok, app.config().tracking.keys);
    if (!t || t->kind != kind) return std::nullopt;
    return t;
}

void noSuchLink(ResponseWriter& w) { sendError(w, {404, "not_found", "no such tracking link", ""}); }

// The target of a click token, checked again before it becomes a Location.
bool redirectable(const std::string& url) {
    auto starts = [&url](const char* p) {
        std::size_t n = std::strlen(p);
        if (url.size() < n) return false;
        for (std::size_t i = 0; i < n; ++i)
            if (std::tolower(static_cast<unsigned char>(url[i])) != p[i]) return false;
        return true;
    };
    if (!starts("http://") && !starts("https://")) return false;
    for (char c : url)
        if (c <= 0x20 || c >= 0x7f) return false;
    return true;
}

TrackHit hitFrom(const Request& req, const TrackingTarget& t) {
    TrackHit h;
    h.kind = t.kind;
    h.email_id = t.email_id;
    h.recipient = t.recipient;
    h.client_id = t.client_id;
    h.url = t.url;
    h.at = nowSeconds();
    h.ip = req.address().host();
    h.user_agent = logSafe(header(req, "User-Agent").value_or(""), 512);
    return h;
}

void sendHtml(ResponseWriter& w, Http::Code code, const std::string& html) {
    setHeader(w, "Cache-Control", "no-store");
    setHeader(w, "Content-Security-Policy",
              "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
              "base-uri 'none'");
    setHeader(w, "X-Frame-Options", "DENY");
    setHeader(w, "X-Content-Type-Options", "nosniff");
    setHeader(w, "Referrer-Policy", "no-referrer");
    Http::Mime::MediaType type(Http::Mime::Type::Text, Http::Mime::Subtype::Html);
    type.setParam("charset", "utf-8");
    w.send(code, html, type);
}

class Handlers {
public:
    Handlers(App& app, EventWriter& writer) : app_(app), writer_(writer) {}

    void open(const Request& req, ResponseWriter& w) {
        auto t = tokenParam(app_, req, TokenKind::open, ".gif");
        if (!t) return noSuchLink(w);
        setHeader(w, "Cache-Control", "no-store");
        // An open that cannot be queued (queue full, shutting down) is not answered as if counted.
        if (!writer_.submit(hitFrom(req, *t))) {
            setHeader(w, "Retry-After", "5");
            return sendError(w, {503, "unavailable", "busy; retry later", ""});
        }
        w.send(Http::Code::Ok, reinterpret_cast<const char*>(kPixel), sizeof kPixel, MIME(Image, Gif));
    }

    void click(const Request& req, ResponseWriter& w, bool record) {
        auto t = tokenParam(app_, req, TokenKind::click);
        if (!t || !redirectable(t->url)) return noSuchLink(w);
        // The reader goes where the link points even when the click cannot be
        // queued (then it is counted as dropped and logged at shutdown).
        if (record) writer_.submit(hitFrom(req, *t));
        setHeader(w, "Cache-Control", "no-store");
        setHeader(w, "Referrer-Policy", "no-referrer");  // the token stays out of the target's logs
        w.headers().add<Http::Header::Location>(t->url);
        w.send(Http::Code::Found);
    }

    void unsubscribePage(const Request& req, ResponseWriter& w, bool post) {
        auto t = tokenParam(app_, req, TokenKind::unsubscribe);
        if (!t) return sendHtml(w, Http::Code::Not_Found, unsubscribeInvalidPage());
        auto target = findUnsubscribeTarget(app_.db(), *t);
        if (!target) return sendHtml(w, Http::Code::Gone, unsubscribeGonePage());
        if (!post) return sendHtml(w, Http::Code::Ok, unsubscribeConfirmPage(*target));
        // RFC 8058: the body is "List-Unsubscribe=One-Click" (form-encoded or
        // multipart); mailbox providers and our button send it. Anything else
        // is still an explicit POST to this unguessable URL, so it counts too.
        bool oneClick = req.body().find("List-Unsubscribe=One-Click") != std::string::npos;
        bool first = unsubscribe(app_.db(), *target, req.address().host(),
                                 logSafe(header(req, "User-Agent").value_or(""), 512), oneClick ? "one-click" : "post",
                                 nowSeconds());
        V2V_LOG(info, target->email_id) << "recipient " << target->recipient << " unsubscribed"
                                        << (first ? "" : " (again)") << " client=" << target->client_id;
        sendHtml(w, Http::Code::Ok, unsubscribeDonePage(*target));
    }

    void stats(const Request& req, ResponseWriter& w) {
        auto ctx = authorize(app_, req, w, "read");
        if (!ctx) return;
        auto q = parseStatsQuery(queryParam(req, "from"), queryParam(req, "to"), queryParam(req, "tag"),
                                 queryParam(req, "group_by"), nowSeconds());
        if (auto* e = std::get_if<ApiError>(&q)) return sendError(w, *e);
        sendJson(w, 200, trackingStats(app_.db(), ctx->client.id, std::get<StatsQuery>(q)));
    }

    void events(const Request& req, ResponseWriter& w) {
        auto ctx = authorize(app_, req, w, "read");
        if (!ctx) return;
        auto page = pageParams(req, w);
        if (!page) return;
        EventQuery q;
        if (auto type = queryParam(req, "type")) {
            if (std::find(std::begin(kEventTypes), std::end(kEventTypes), *type) == std::end(kEventTypes))
                return sendError(w, invalidField("type", "is not an event type"));
            q.type = *type;
        }
        if (auto id = queryParam(req, "email_id")) {
            q.email_id = normalizeUlid(*id);
            if (!q.email_id) return sendError(w, invalidField("email_id", "is not an email id"));
        }
        for (const char* name : {"since", "until"}) {
            auto v = queryParam(req, name);
            if (!v) continue;
            auto t = parseRfc3339(*v);
            if (!t) return sendError(w, invalidField(name, "must be an RFC 3339 time"));
            (std::string(name) == "since" ? q.since : q.until) = *t;
        }
        auto rows = listEvents(app_.db(), ctx->client.id, q, page->after, page->limit + 1);
        sendJson(w, 200, pageJson("events", std::move(rows), page->limit, eventCursorKey, eventJson));
    }

private:
    App& app_;
    EventWriter& writer_;
};

}  // namespace

TrackingApi::TrackingApi(App& app) : app_(app), writer_(std::make_unique<EventWriter>(app.configPtr())) {
    if (app.config().tracking.keys.empty())
        V2V_LOG(warning, "tracking") << "tracking.keys is empty: every tracking link is answered 404";
}

TrackingApi::~TrackingApi() = default;

void TrackingApi::shutdown() { writer_->stop(); }

void TrackingApi::setupRoutes(Pistache::Rest::Router& r) {
    using namespace Pistache::Rest;
    auto h = std::make_shared<Handlers>(app_, *writer_);
    auto route = [this, h](bool work, void (Handlers::*m)(const Request&, ResponseWriter&)) {
        return guarded(app_, work, [h, m](const Request& q, ResponseWriter& w) { ((*h).*m)(q, w); });
    };
    Routes::Get(r, "/api/v1/tracking/open/:token", route(false, &Handlers::open));
    Routes::Get(r, "/api/v1/tracking/click/:token",
                guarded(app_, false, [h](const Request& q, ResponseWriter& w) { h->click(q, w, true); }));
    // Link checkers ask with HEAD: the same answer, nothing recorded.
    Routes::Head(r, "/api/v1/tracking/click/:token",
                 guarded(app_, false, [h](const Request& q, ResponseWriter& w) { h->click(q, w, false); }));
    Routes::Get(r, "/api/v1/tracking/unsubscribe/:token",
                guarded(app_, false, [h](const Request& q, ResponseWriter& w) { h->unsubscribePage(q, w, false); }));
    Routes::Post(r, "/api/v1/tracking/unsubscribe/:token",
                 guarded(app_, false, [h](const Request& q, ResponseWriter& w) { h->unsubscribePage(q, w, true); }));
    Routes::Get(r, "/api/v1/tracking/stats", route(false, &Handlers::stats));
    Routes::Get(r, "/api/v1/tracking/events", route(false, &Handlers::events));
}

}  // namespace v2v::gw
