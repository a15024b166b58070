// Batch sends (see batch_service.h).
#include "batch_service.h"

#include "failure.h"
#include "json_body.h"
#include "log.h"
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

json dependencyError(std::size_t i, const std::exception& e) {
    V2V_LOG(error, "batch") << "message " << i << ": " << e.what();
    return batchErrorResult(i, apiErrorFor(e));
}

}  // namespace

// Every message is checked and built first; the accepted ones are then
// committed in one SQLite transaction and queued in one Redis round trip.
json acceptBatch(App& app, const AuthContext& auth, std::vector<json> messages, std::int64_t now) {
    std::vector<json> results(messages.size());
    std::vector<PreparedEmail> prepared;
    std::vector<std::size_t> preparedIndex;
    prepared.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        try {
            auto parsed = parseSendJson(messages[i], limitsFor(auth.client), now, "");
            messages[i] = nullptr;  // free each message's body as soon as it is built
            if (auto* e = std::get_if<ApiError>(&parsed)) {
                results[i] = batchErrorResult(i, *e);
                continue;
            }
            auto p = prepareSend(app, auth, std::get<SendRequest>(parsed));
            if (auto* e = std::get_if<ApiError>(&p)) {
                results[i] = batchErrorResult(i, *e);
                continue;
            }
            prepared.push_back(std::move(std::get<PreparedEmail>(p)));
            preparedIndex.push_back(i);
        } catch (const std::exception& e) {
            results[i] = dependencyError(i, e);
        }
    }
    std::vector<PreparedEmail*> ptrs;
    for (auto& p : prepared) ptrs.push_back(&p);
    std::optional<json> failure;
    try {
        if (auto err = commitAndQueue(app, ptrs)) failure = batchErrorResult(0, *err);
    } catch (const std::exception& e) {
        failure = dependencyError(0, e);
    }
    std::size_t accepted = 0;
    for (std::size_t k = 0; k < prepared.size(); ++k) {
        std::size_t i = preparedIndex[k];
        if (failure) {
            json r = *failure;
            r["index"] = i;
            r["error"]["field"] = "messages[" + std::to_string(i) + "]";
            results[i] = std::move(r);
            continue;
        }
        json r = std::move(prepared[k].body);
        r["index"] = i;
        r["http_status"] = 202;
        results[i] = std::move(r);
        ++accepted;
    }
    V2V_LOG(info, "batch") << "client=" << auth.client.id << " messages=" << messages.size()
                           << " accepted=" << accepted;
    return {{"accepted", accepted}, {"rejected", messages.size() - accepted}, {"results", std::move(results)}};
}

}  // namespace v2v::gw
