// The accept path of POST /email/send (no HTTP here): checks the client's
// rights and limits, builds the MIME message, commits email + recipients to
// SQLite, then queues it in Redis. 202 only after both; if queueing fails the
// email is removed again and the caller answers 503 (nothing half-done).
#pragma once

#include <nlohmann/json.hpp>
#include <variant>

#include "api_error.h"
#include "app.h"
#include "auth.h"
#include "send_request.h"

namespace v2v::gw {

struct Accepted {
    nlohmann::json body;  // {id, message_id, status, recipients:[{email,status}]}
};

std::variant<Accepted, ApiError> acceptSend(App& app, const AuthContext& auth, const SendRequest& req);

SendLimits limitsFor(const Client& c);

}  // namespace v2v::gw
