// Accepting one email (see send_service.h).
#include "send_service.h"

#include "email_store.h"
#include "ids.h"
#include "mime_build.h"
#include "records.h"
#include "send_committer.h"
#include "template_service.h"

namespace v2v::gw {

SendLimits limitsFor(const Client& c) {
    SendLimits l;
    l.max_recipients = c.max_recipients;
    return l;
}

std::variant<PreparedEmail, ApiError> prepareSend(App& app, const AuthContext& auth, const SendRequest& input) {
    const Client& client = auth.client;
    const std::string fromDomain = input.from.domain();
    if (!client.mayUseFromDomain(fromDomain))
        return ApiError{403, "from_domain_not_allowed", "this client may not send from " + fromDomain, "from"};
    std::optional<SendRequest> rendered;  // template sends: subject/text/html from the stored template
    if (input.template_name) {
        auto r = renderForSend(app.db(), client.id, input);
        if (auto* err = std::get_if<ApiError>(&r)) return *err;
        rendered = std::move(std::get<SendRequest>(r));
    }
    const SendRequest& req = rendered ? *rendered : input;

    PreparedEmail p;
    NewEmail& e = p.email;
    e.id = newUlid();
    e.client_id = client.id;
    e.message_id = e.id + "@" + fromDomain;
    e.from_address = req.from.email;
    e.subject = req.subject;
    e.template_name = req.template_name;
    e.template_version = req.template_version;
    e.track_opens = req.track_opens.value_or(client.track_opens);
    e.track_clicks = req.track_clicks.value_or(client.track_clicks);
    e.send_at = req.send_at;
    e.tags_json = nlohmann::json(req.tags).dump();
    e.metadata_json = req.metadata_json;

    BuiltHeaders h;
    h.message_id = e.message_id;
    h.date = nowSeconds();
    h.internal.emplace_back("X-V2V-Email-Id", e.id);
    std::string track;
    if (e.track_opens) track += "opens";
    if (e.track_clicks) track += track.empty() ? "clicks" : ",clicks";
    // Tracking (issue 5): v2v-milter adds List-Unsubscribe + List-Unsubscribe-Post per recipient.
    if (req.list_unsubscribe.value_or(client.list_unsubscribe)) track += track.empty() ? "unsubscribe" : ",unsubscribe";
    if (!track.empty()) h.internal.emplace_back("X-V2V-Track", track);
    e.mime = buildMessage(req, h);
    if (static_cast<long long>(e.mime.size()) > client.max_message_bytes)
        return ApiError{413, "message_too_large",
                        "the message is " + std::to_string(e.mime.size()) + " bytes; this client's limit is " +
                            std::to_string(client.max_message_bytes),
                        ""};

    // Suppressions are checked in the commit's transaction (applySuppressions).
    const char* pendingStatus = e.send_at ? status::scheduled : status::queued;
    for (const auto& r : req.recipients()) e.recipients.push_back({r.mailbox.email, r.kind, pendingStatus});
    return p;
}

std::optional<ApiError> commitAndQueue(App& app, const std::vector<PreparedEmail*>& emails) {
    if (emails.empty()) return std::nullopt;
    return app.committer().submitAndWait(std::nullopt, emails).error;
}

std::variant<Accepted, ApiError> acceptSend(App& app, const AuthContext& auth, const SendRequest& req) {
    auto prepared = prepareSend(app, auth, req);
    if (auto* e = std::get_if<ApiError>(&prepared)) return *e;
    PreparedEmail& p = std::get<PreparedEmail>(prepared);
    if (auto err = commitAndQueue(app, {&p})) return *err;
    return Accepted{std::move(p.body)};
}

}  // namespace v2v::gw
