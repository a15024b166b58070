// Pistache glue shared by the API resources: JSON responses, the error shape,
// and `guarded()`, which wraps each handler with drain/in-flight accounting and
// a catch-all that never leaks internal error text to the client.
#pragma once

#include <pistache/http.h>
#include <pistache/router.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_error.h"
#include "app.h"
#include "request_ops.h"

namespace v2v::gw {

using Pistache::Http::ResponseWriter;
using Pistache::Rest::Request;

// A response body: compact JSON (invalid UTF-8 replaced) and a newline.
std::string jsonText(const nlohmann::json& body);
void sendJson(ResponseWriter& w, int status, const nlohmann::json& body);
void sendError(ResponseWriter& w, const ApiError& e);
nlohmann::json errorBody(const ApiError& e);
std::optional<std::string> header(const Request& req, const std::string& name);
// Sets a response header by name (Pistache 0.0.5 does not write raw headers).
void setHeader(ResponseWriter& w, const std::string& name, const std::string& value);
// Adds Connection: keep-alive for HTTP/1.1 clients that did not ask to close.
void keepAlive(const Request& req, ResponseWriter& w);

using Handler = std::function<void(const Request&, ResponseWriter&)>;
// `work`: true for routes that start new work (refused with 503 while draining).
Pistache::Rest::Route::Handler guarded(App& app, bool work, Handler h);

// An answer sent later, from another thread (the send committer's answerer). It counts
// as in flight (the drain waits for it) and its metrics and audit line are
// written when it is sent. Dropped unanswered, it answers 500. A client that
// has gone meanwhile is sent nothing (its request is still recorded).
// The answer is written by the answering thread itself, on a duplicate of the
// connection's descriptor taken while the request was being handled (see
// raw_answer.h); Pistache writes by descriptor number, which may name another
// client's connection once this one has closed, but the duplicate cannot.
class DeferredAnswer {
public:
    ~DeferredAnswer();
    DeferredAnswer(const DeferredAnswer&) = delete;
    DeferredAnswer& operator=(const DeferredAnswer&) = delete;

    void setHeader(const std::string& name, const std::string& value);
    void json(int status, const nlohmann::json& body);  // sends; call one of these two once
    void error(const ApiError& e);

private:
    friend std::shared_ptr<DeferredAnswer> deferAnswer();
    DeferredAnswer(App& app, ResponseWriter&& w, Pistache::Http::Version version, std::string method,
                   std::string path, std::string ip, std::chrono::steady_clock::time_point t0);
    void finish(int status);
    void send(int status, const std::string& body);  // on fd_, or through Pistache without one

    App& app_;
    ResponseWriter w_;
    int fd_ = -1;  // our duplicate of the connection's descriptor (closed by finish/the destructor)
    Pistache::Http::Version version_;
    std::string method_, path_, ip_;
    std::chrono::steady_clock::time_point t0_;
    ops::Notes notes_;
    bool answered_ = false;
};

// Inside a guarded handler: takes the response writer over. The handler must
// not use `w` afterwards; guarded() then records nothing for the request.
std::shared_ptr<DeferredAnswer> deferAnswer();

}  // namespace v2v::gw
