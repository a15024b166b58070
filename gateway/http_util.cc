// Response helpers and the handler guard.
#include "http_util.h"

#include <chrono>
#include <stdexcept>

#include "failure.h"
#include "log.h"
#include "request_ops.h"

namespace v2v::gw {

namespace Http = Pistache::Http;

void sendJson(ResponseWriter& w, int status, const nlohmann::json& body) {
    ops::noteResponse(status, body);  // issue 7: email ids and error code for the audit log
    w.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    w.send(static_cast<Http::Code>(status), body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

nlohmann::json errorBody(const ApiError& e) {
    nlohmann::json err = {{"code", e.code}, {"message", e.message}};
    if (!e.field.empty()) err["field"] = e.field;
    return nlohmann::json{{"error", err}};
}

std::string errorJson(const ApiError& e) {
    return errorBody(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void sendError(ResponseWriter& w, const ApiError& e) {
    ops::noteErrorCode(e.code);  // issue 7: audit log
    w.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    w.send(static_cast<Http::Code>(e.status), errorJson(e) + "\n");
}

std::optional<std::string> header(const Request& req, const std::string& name) {
    auto raw = req.headers().tryGetRaw(name);
    if (!raw) return std::nullopt;
    return raw->value();
}

namespace {
class NamedHeader : public Http::Header::Header {
public:
    NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
    const char* name() const override { return name_.c_str(); }
    void parse(const std::string& data) override { value_ = data; }
    void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
    uint64_t hash() const override { return std::hash<std::string>{}(name_); }
#endif

private:
    std::string name_, value_;
};
}  // namespace

void setHeader(ResponseWriter& w, const std::string& name, const std::string& value) {
    w.headers().remove(name);
    w.headers().add(std::make_shared<NamedHeader>(name, value));
}

void keepAlive(const Request& req, ResponseWriter& w) {
    if (req.version() != Http::Version::Http11) return;
    auto c = header(req, "Connection");
    if (c && (c->find("close") != std::string::npos || c->find("Close") != std::string::npos)) return;
    // Pistache 0.0.5 answers "Connection: Close" unless the request said
    // keep-alive explicitly; HTTP/1.1 is persistent by default (RFC 9112).
    w.headers().remove<Http::Header::Connection>();
    w.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
}

namespace {

// The request a guarded handler is running on this thread.
struct Frame {
    App& app;
    const Request& req;
    ResponseWriter& w;
    std::chrono::steady_clock::time_point t0;
    bool deferred = false;
};
thread_local Frame* tFrame = nullptr;

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Pistache::Rest::Route::Handler guarded(App& app, bool work, Handler h) {
    return [&app, work, h = std::move(h)](const Request& req, ResponseWriter w) {
        struct Inflight {
            App& a;
            explicit Inflight(App& app) : a(app) { ++a.inflight; }
            ~Inflight() { --a.inflight; }
        } guard(app);
        Frame frame{app, req, w, std::chrono::steady_clock::now()};
        struct Current {
            explicit Current(Frame* f) { tFrame = f; }
            ~Current() { tFrame = nullptr; }
        } current(&frame);
        ops::beginRequest();
        keepAlive(req, w);
        if (work && app.draining) {
            setHeader(w, "Retry-After", "5");
            sendError(w, {503, "shutting_down", "the gateway is shutting down; retry shortly", ""});
        } else {
            try {
                h(req, w);
            } catch (const std::exception& e) {
                V2V_LOG(error, "http") << req.method() << " " << req.resource() << ": " << e.what();
                // A deferred answer is no longer ours to send: its owner answers (500 at worst).
                if (!frame.deferred) sendError(w, apiErrorFor(e));
            }
        }
        // issue 7: metrics by route and status, and the audit line, once the answer is known.
        if (!frame.deferred)
            ops::endRequest(Pistache::Http::methodString(req.method()), req.resource(), req.address().host(),
                            static_cast<int>(w.getResponseCode()), secondsSince(frame.t0));
        return Pistache::Rest::Route::Result::Ok;
    };
}

std::shared_ptr<DeferredAnswer> deferAnswer() {
    Frame* f = tFrame;
    if (!f || f->deferred) throw std::logic_error("deferAnswer: not in a guarded handler, or deferred twice");
    f->deferred = true;
    return std::shared_ptr<DeferredAnswer>(new DeferredAnswer(
        f->app, std::move(f->w), Pistache::Http::methodString(f->req.method()), f->req.resource(),
        f->req.address().host(), f->t0));
}

DeferredAnswer::DeferredAnswer(App& app, ResponseWriter&& w, std::string method, std::string path, std::string ip,
                               std::chrono::steady_clock::time_point t0)
    : app_(app),
      w_(std::move(w)),
      method_(std::move(method)),
      path_(std::move(path)),
      ip_(std::move(ip)),
      t0_(t0),
      notes_(ops::takeNotes()) {
    ++app_.inflight;  // the drain waits for this answer too
}

DeferredAnswer::~DeferredAnswer() {
    if (answered_) return;
    try {
        V2V_LOG(error, "http") << method_ << " " << logSafe(path_, 256) << ": dropped without an answer";
        error({500, "internal", "internal error", ""});
    } catch (...) {
        --app_.inflight;
    }
}

void DeferredAnswer::setHeader(const std::string& name, const std::string& value) { gw::setHeader(w_, name, value); }

// The connection's Peer is held while its answer is queued: Pistache 0.0.5
// writes by fd number, and once the client has gone (its Peer released) that
// number may already name another client's connection. Then nothing is sent;
// the request is still recorded with the answer it was given.
void DeferredAnswer::json(int status, const nlohmann::json& body) {
    ops::restoreNotes(std::move(notes_));
    if (auto peer = w_.getPeer())
        sendJson(w_, status, body);
    else
        ops::noteResponse(status, body);
    finish(status);
}

void DeferredAnswer::error(const ApiError& e) {
    ops::restoreNotes(std::move(notes_));
    if (auto peer = w_.getPeer())
        sendError(w_, e);
    else
        ops::noteErrorCode(e.code);
    finish(e.status);
}

void DeferredAnswer::finish(int status) {
    answered_ = true;
    ops::endRequest(method_, path_, ip_, status, secondsSince(t0_));
    --app_.inflight;
}

}  // namespace v2v::gw
