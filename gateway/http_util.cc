// Response helpers and the handler guard.
#include "http_util.h"

#include <fcntl.h>
#include <pistache/peer.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

#include "answer_writes.h"
#include "failure.h"
#include "log.h"
#include "raw_answer.h"
#include "request_ops.h"

namespace v2v::gw {

namespace Http = Pistache::Http;

std::string jsonText(const nlohmann::json& body) {
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void sendJson(ResponseWriter& w, int status, const nlohmann::json& body) {
    ops::noteResponse(status, body);  // issue 7: email ids and error code for the audit log
    w.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    w.send(static_cast<Http::Code>(status), jsonText(body));
}

nlohmann::json errorBody(const ApiError& e) {
    nlohmann::json err = {{"code", e.code}, {"message", e.message}};
    if (!e.field.empty()) err["field"] = e.field;
    return nlohmann::json{{"error", err}};
}

void sendError(ResponseWriter& w, const ApiError& e) {
    ops::noteErrorCode(e.code);  // issue 7: audit log
    w.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    w.send(static_cast<Http::Code>(e.status), jsonText(errorBody(e)));
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
        f->app, std::move(f->w), f->req.version(), Pistache::Http::methodString(f->req.method()),
        f->req.resource(), f->req.address().host(), f->t0));
}

DeferredAnswer::DeferredAnswer(App& app, ResponseWriter&& w, Http::Version version, std::string method,
                               std::string path, std::string ip, std::chrono::steady_clock::time_point t0)
    : app_(app),
      w_(std::move(w)),
      version_(version),
      method_(std::move(method)),
      path_(std::move(path)),
      ip_(std::move(ip)),
      t0_(t0),
      notes_(ops::takeNotes()) {
    // On the connection's own thread, inside its handler: the descriptor is
    // this client's. Without a duplicate (out of descriptors) Pistache writes.
    if (auto peer = w_.getPeer()) fd_ = ::fcntl(peer->fd(), F_DUPFD_CLOEXEC, 0);
    ++app_.inflight;  // the drain waits for this answer too
}

DeferredAnswer::~DeferredAnswer() {
    if (answered_) return;
    try {
        V2V_LOG(error, "http") << method_ << " " << logSafe(path_, 256) << ": dropped without an answer";
        error({500, "internal", "internal error", ""});
    } catch (...) {
        if (fd_ >= 0) ::close(fd_);
        --app_.inflight;
    }
}

void DeferredAnswer::setHeader(const std::string& name, const std::string& value) { gw::setHeader(w_, name, value); }

void DeferredAnswer::send(int status, const std::string& body) {
    // Gone (the client closed, or Pistache answered 408 and dropped it):
    // nothing is sent. Held while the answer is written.
    auto peer = w_.getPeer();
    if (!peer) return;
    if (fd_ < 0) {
        w_.headers().add<Http::Header::ContentType>(MIME(Application, Json));
        w_.send(static_cast<Http::Code>(status), body);
        return;
    }
    std::vector<std::pair<std::string, std::string>> headers;
    std::ostringstream value;  // one stream for every header's value
    for (const auto& h : w_.headers().list()) {
        value.str({});
        h->write(value);
        headers.emplace_back(h->name(), value.str());
    }
    headers.emplace_back("Content-Type", "application/json");
    const char* httpVersion = version_ == Http::Version::Http10 ? "HTTP/1.0" : "HTTP/1.1";
    std::string bytes =
        rawAnswer(httpVersion, status, Http::codeString(static_cast<Http::Code>(status)), headers, body);
    // As ResponseWriter::send does, and before the write (the client's next
    // request marks it busy again): an idle connection is closed quietly after
    // the keep-alive timeout, a busy one gets 408 after the header timeout.
    peer->setIdle(true);
    if (auto* batch = AnswerWrites::current()) {  // written with the rest of its batch
        batch->add(std::exchange(fd_, -1), std::move(bytes), method_ + " " + path_ + " from " + ip_);
        return;
    }
    if (writeRawAnswer(fd_, bytes) == RawWrite::stuck)
        V2V_LOG(warning, "http") << method_ << " " << logSafe(path_, 256) << " from " << ip_
                                 << ": the answer could not be written whole; connection closed";
}

void DeferredAnswer::json(int status, const nlohmann::json& body) {
    ops::restoreNotes(std::move(notes_));
    ops::noteResponse(status, body);  // issue 7: email ids for the audit log
    send(status, jsonText(body));
    finish(status);
}

void DeferredAnswer::error(const ApiError& e) {
    ops::restoreNotes(std::move(notes_));
    ops::noteErrorCode(e.code);  // issue 7: audit log
    send(e.status, jsonText(errorBody(e)));
    finish(e.status);
}

void DeferredAnswer::finish(int status) {
    answered_ = true;
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    struct Done {  // even if recording throws: the drain must not wait for it
        App& app;
        ~Done() { --app.inflight; }
    } done{app_};
    ops::endRequest(method_, path_, ip_, status, secondsSince(t0_));
}

}  // namespace v2v::gw
