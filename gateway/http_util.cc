// Response helpers and the handler guard.
#include "http_util.h"

#include <chrono>

#include "db.h"
#include "log.h"
#include "redis_client.h"
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

Pistache::Rest::Route::Handler guarded(App& app, bool work, Handler h) {
    return [&app, work, h = std::move(h)](const Request& req, ResponseWriter w) {
        struct Inflight {
            App& a;
            explicit Inflight(App& app) : a(app) { ++a.inflight; }
            ~Inflight() { --a.inflight; }
        } guard(app);
        // issue 7: metrics by route and status, and the audit line, once the answer is known.
        struct Observed {
            const Request& req;
            ResponseWriter& w;
            std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
            ~Observed() {
                std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
                ops::endRequest(Pistache::Http::methodString(req.method()), req.resource(), req.address().host(),
                                static_cast<int>(w.getResponseCode()), d.count());
            }
        } observed{req, w};
        ops::beginRequest();
        keepAlive(req, w);
        if (work && app.draining) {
            setHeader(w, "Retry-After", "5");
            sendError(w, {503, "shutting_down", "the gateway is shutting down; retry shortly", ""});
            return Pistache::Rest::Route::Result::Ok;
        }
        try {
            h(req, w);
        } catch (const RedisError& e) {
            V2V_LOG(error, "http") << req.method() << " " << req.resource() << ": " << e.what();
            sendError(w, {503, "unavailable", "a dependency is unavailable; retry later", ""});
        } catch (const DbError& e) {
            V2V_LOG(error, "http") << req.method() << " " << req.resource() << ": database: " << e.what();
            if (e.transient())
                sendError(w, {503, "unavailable", "the database is busy; retry later", ""});
            else
                sendError(w, {500, "internal", "internal error", ""});
        } catch (const std::exception& e) {
            V2V_LOG(error, "http") << req.method() << " " << req.resource() << ": " << e.what();
            sendError(w, {500, "internal", "internal error", ""});
        }
        return Pistache::Rest::Route::Result::Ok;
    };
}

}  // namespace v2v::gw
