// Accepting one email (see send_service.h).
#include "send_service.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>

#include "email_store.h"
#include "ids.h"
#include "log.h"
#include "mime_build.h"
#include "queue.h"
#include "records.h"
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

namespace {

// Marks suppressed recipients, then sets the email's status and 202 body.
void applySuppressions(Db& db, PreparedEmail& p) {
    NewEmail& e = p.email;
    nlohmann::json recips = nlohmann::json::array();
    std::vector<std::string> sts;
    p.any_pending = false;
    for (auto& r : e.recipients) {
        if (isSuppressed(db, e.client_id, r.address)) r.status = status::suppressed;
        p.any_pending = p.any_pending || r.status != status::suppressed;
        recips.push_back({{"email", r.address}, {"status", r.status}});
        sts.push_back(r.status);
    }
    e.status = aggregateStatus(sts);
    p.body = {{"id", e.id}, {"message_id", e.message_id}, {"status", e.status}, {"recipients", recips}};
}

// `db` is the group commit's own connection: only the leader of the moment
// uses it, and its page cache stays warm from one commit to the next.
std::optional<ApiError> commitAndQueueNow(App& app, Db& db, const std::vector<PreparedEmail*>& emails) {
    const std::int64_t now = nowSeconds();
    {
        Transaction tx(db);
        for (auto* p : emails) {
            applySuppressions(db, *p);
            insertEmail(db, p->email, now);
        }
        tx.commit();
    }
    std::vector<QueueItem> items;
    for (const auto* p : emails)
        if (p->any_pending) items.push_back({p->email.id, p->email.send_at});
    try {
        InjectQueue(app.redis()).enqueueMany(items);
    } catch (const RedisError& err) {
        V2V_LOG(error, emails.front()->email.id)
            << "queue: " << err.what() << "; " << emails.size() << " email(s) withdrawn, answering 503";
        Transaction tx(db);
        for (const auto* p : emails) deleteEmail(db, p->email.id);
        tx.commit();
        return ApiError{503, "unavailable", "the queue is unavailable; nothing was sent, retry later", ""};
    }
    for (const auto* p : emails)
        V2V_LOG(info, p->email.id) << "accepted client=" << p->email.client_id << " from=<" << p->email.from_address
                                   << "> recipients=" << p->email.recipients.size() << " size=" << p->email.mime.size()
                                   << " status=" << p->email.status;
    return std::nullopt;
}

// Leader/follower group commit: requests arriving while a commit runs wait, and
// the next leader writes all of their emails in one SQLite transaction and one
// Redis round trip. Each waiter gets the shared outcome (all or nothing).
class GroupCommit {
public:
    std::optional<ApiError> submit(App& app, const std::vector<PreparedEmail*>& emails) {
        Waiter me{&emails, std::nullopt, nullptr, false};
        std::unique_lock<std::mutex> lk(mu_);
        queue_.push_back(&me);
        while (!me.done) {
            if (leaderActive_) {
                cv_.wait(lk);
                continue;
            }
            leaderActive_ = true;
            std::vector<Waiter*> group(queue_.begin(), queue_.end());
            queue_.clear();
            lk.unlock();
            std::vector<PreparedEmail*> all;
            for (auto* w : group) all.insert(all.end(), w->emails->begin(), w->emails->end());
            std::optional<ApiError> result;
            std::exception_ptr error;
            try {
                if (!db_) db_ = app.openDb();
                result = commitAndQueueNow(app, *db_, all);
            } catch (...) {
                error = std::current_exception();
            }
            lk.lock();
            for (auto* w : group) {
                w->result = result;
                w->error = error;
                w->done = true;
            }
            leaderActive_ = false;
            cv_.notify_all();
        }
        if (me.error) std::rethrow_exception(me.error);
        return me.result;
    }

private:
    struct Waiter {
        const std::vector<PreparedEmail*>* emails;
        std::optional<ApiError> result;
        std::exception_ptr error;
        bool done = false;
    };
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Waiter*> queue_;
    bool leaderActive_ = false;
    std::unique_ptr<Db> db_;  // used by the active leader only
};

}  // namespace

std::optional<ApiError> commitAndQueue(App& app, const std::vector<PreparedEmail*>& emails) {
    if (emails.empty()) return std::nullopt;
    static GroupCommit group;
    return group.submit(app, emails);
}

std::variant<Accepted, ApiError> acceptSend(App& app, const AuthContext& auth, const SendRequest& req) {
    auto prepared = prepareSend(app, auth, req);
    if (auto* e = std::get_if<ApiError>(&prepared)) return *e;
    PreparedEmail& p = std::get<PreparedEmail>(prepared);
    if (auto err = commitAndQueue(app, {&p})) return *err;
    return Accepted{std::move(p.body)};
}

}  // namespace v2v::gw
