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
#include "email_store.h"
#include "send_request.h"

namespace v2v::gw {

struct Accepted {
    nlohmann::json body;  // {id, message_id, status, recipients:[{email,status}]}
};

// An email checked and built, not yet written anywhere. commitAndQueue marks
// its suppressed recipients (in the same transaction) and fills in the rest.
struct PreparedEmail {
    NewEmail email;
    bool any_pending = false;  // some recipient is not suppressed (set by commitAndQueue)
    nlohmann::json body;       // the 202 body (set by commitAndQueue)
};

// Checks rights and limits, renders a template, builds the MIME message. No writes.
std::variant<PreparedEmail, ApiError> prepareSend(App& app, const AuthContext& auth, const SendRequest& req);

// Commits all emails in one transaction, then queues them in one Redis round
// trip. If queueing fails they are all withdrawn again and an ApiError (503) is
// returned: a caller answers 202 only when this returns nullopt.
std::optional<ApiError> commitAndQueue(App& app, const std::vector<PreparedEmail*>& emails);

// prepareSend + commitAndQueue for one email.
std::variant<Accepted, ApiError> acceptSend(App& app, const AuthContext& auth, const SendRequest& req);

SendLimits limitsFor(const Client& c);

}  // namespace v2v::gw
