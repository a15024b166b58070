// POST /email/batch without HTTP: {"messages":[<send body>, ...]} (1..500),
// each message parsed and accepted on its own exactly like POST /email/send;
// one result per message, in order. A message's error names its field with a
// "messages[i]." prefix; a failing dependency fails only the messages it hit.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "app.h"
#include "auth.h"

namespace v2v::gw {

inline constexpr std::size_t kMaxBatchMessages = 500;

// The messages of a batch body, or the error of the whole request
// (400 malformed JSON, 422 no "messages" array / empty / unknown field,
// 413 more than `maxMessages`).
std::variant<std::vector<nlohmann::json>, ApiError> parseBatchBody(const std::string& body,
                                                                   std::size_t maxMessages = kMaxBatchMessages);

// The error of message `i` as its result: field "messages[i].<field>".
nlohmann::json batchErrorResult(std::size_t i, ApiError e);

// {"accepted": n, "rejected": m, "results": [{"index", "http_status": 202, id, message_id,
// status, recipients} | {"index", "http_status", "error": {...}}]}
nlohmann::json acceptBatch(App& app, const AuthContext& auth, std::vector<nlohmann::json> messages,
                           std::int64_t now);

}  // namespace v2v::gw
