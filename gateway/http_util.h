// Pistache glue shared by the API resources: JSON responses, the error shape,
// and `guarded()`, which wraps each handler with drain/in-flight accounting and
// a catch-all that never leaks internal error text to the client.
#pragma once

#include <pistache/http.h>
#include <pistache/router.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_error.h"
#include "app.h"

namespace v2v::gw {

using Pistache::Http::ResponseWriter;
using Pistache::Rest::Request;

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

}  // namespace v2v::gw
