// Batch sends (see batch_service.h).
#include "batch_service.h"

#include "db.h"
#include "json_body.h"
#include "log.h"
#include "redis_client.h"
#include "send_service.h"

namespace v2v::gw {

using nlohmann::json;

std::variant<std::vector<json>, ApiError> parseBatchBody(const std::string& body, std::size_t maxMessages) {
    auto parsed = parseBodyObject(body, "{\"messages\": [...]}");
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    json& j = std::get<json>(parsed);
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "messages") return invalidField(it.key(), "unknown field");
    if (!j.contains("messages") || !j["messages"].is_array())
        return invalidField("messages", "must be an array of messages");
    json& m = j["messages"];
    if (m.empty()) return invalidField("messages", "holds no message");
    if (m.size() > maxMessages)
        return ApiError{413, "too_many_messages",
                        "at most " + std::to_string(maxMessages) + " messages per batch (got " +
                            std::to_string(m.size()) + ")",
                        "messages"};
    std::vector<json> out;
    out.reserve(m.size());
    for (auto& v : m) out.push_back(std::move(v));
    return out;
}

json batchErrorResult(std::size_t i, ApiError e) {
    std::string prefix = "messages[" + std::to_string(i) + "]";
    e.field = e.field.empty() ? prefix : prefix + "." + e.field;
    if (e.status == 400) e = invalidField(e.field, "must be a JSON object");  // a non-object element
    json err = {{"code", e.code}, {"message", e.message}, {"field", e.field}};
    return {{"index", i}, {"http_status", e.status}, {"error", err}};
}

namespace {

// One message: its 202 body, or its error. Dependencies failing are caught
// here so that the messages already accepted keep their results.
json acceptOne(App& app, const AuthContext& auth, std::size_t i, const json& message, std::int64_t now) {
    try {
        auto parsed = parseSendJson(message, limitsFor(auth.client), now, "");
        if (auto* e = std::get_if<ApiError>(&parsed)) return batchErrorResult(i, *e);
        auto res = acceptSend(app, auth, std::get<SendRequest>(parsed));
        if (auto* e = std::get_if<ApiError>(&res)) return batchErrorResult(i, *e);
        json r = std::get<Accepted>(res).body;
        r["index"] = i;
        r["http_status"] = 202;
        return r;
    } catch (const RedisError& e) {
        V2V_LOG(error, "batch") << "message " << i << ": " << e.what();
        return batchErrorResult(i, {503, "unavailable", "a dependency is unavailable; retry later", ""});
    } catch (const DbError& e) {
        V2V_LOG(error, "batch") << "message " << i << ": database: " << e.what();
        return batchErrorResult(i, {503, "unavailable", "the database is busy or unavailable; retry later", ""});
    } catch (const std::exception& e) {
        V2V_LOG(error, "batch") << "message " << i << ": " << e.what();
        return batchErrorResult(i, {500, "internal", "internal error", ""});
    }
}

}  // namespace

json acceptBatch(App& app, const AuthContext& auth, std::vector<json> messages, std::int64_t now) {
    json results = json::array();
    std::size_t accepted = 0;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        json r = acceptOne(app, auth, i, messages[i], now);
        if (!r.contains("error")) ++accepted;
        results.push_back(std::move(r));
        messages[i] = nullptr;  // free each message's body as soon as it is done
    }
    V2V_LOG(info, "batch") << "client=" << auth.client.id << " messages=" << messages.size()
                           << " accepted=" << accepted;
    return {{"accepted", accepted}, {"rejected", messages.size() - accepted}, {"results", std::move(results)}};
}

}  // namespace v2v::gw
