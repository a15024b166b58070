// Dead-letter stream operations (see dead_letters.h).
#include "dead_letters.h"

#include <cctype>

#include "queue.h"
#include "records.h"

namespace v2v::ctl {
namespace {

std::vector<DeadLetter> parseEntries(const redisReply* arr) {
    std::vector<DeadLetter> out;
    if (!arr || arr->type != REDIS_REPLY_ARRAY) return out;
    for (std::size_t i = 0; i < arr->elements; ++i) {
        const redisReply* e = arr->element[i];
        if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 2) continue;
        DeadLetter d;
        d.entry_id = gw::replyString(e->element[0]);
        d.at_ms = std::atoll(d.entry_id.c_str());
        const redisReply* f = e->element[1];
        if (f && f->type == REDIS_REPLY_ARRAY)
            for (std::size_t k = 0; k + 1 < f->elements; k += 2) {
                std::string name = gw::replyString(f->element[k]);
                if (name == "email") d.email_id = gw::replyString(f->element[k + 1]);
                if (name == "reason") d.reason = gw::replyString(f->element[k + 1]);
            }
        out.push_back(std::move(d));
    }
    return out;
}

void check(const gw::RedisReply& r, const char* what) {
    if (gw::isError(r.get())) throw gw::RedisError(std::string("redis ") + what + ": " + gw::replyString(r.get()));
}

}  // namespace

std::optional<int> recipientOfReason(const std::string& reason) {
    const std::string prefix = "recipient ";
    if (reason.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    std::size_t i = prefix.size(), start = i;
    while (i < reason.size() && std::isdigit(static_cast<unsigned char>(reason[i])) && i - start < 6) ++i;
    if (i == start || i >= reason.size() || reason[i] != ':') return std::nullopt;
    return std::stoi(reason.substr(start, i - start));
}

std::vector<DeadLetter> listDeadLetters(gw::Redis& r, int limit, const std::string& after) {
    gw::InjectQueue q(r);
    std::vector<std::string> cmd = {"XRANGE", q.deadKey(), after.empty() ? "-" : "(" + after, "+"};
    if (limit > 0) {
        cmd.push_back("COUNT");
        cmd.push_back(std::to_string(limit));
    }
    gw::RedisReply rep = r.command(cmd);
    check(rep, "XRANGE");
    return parseEntries(rep.get());
}

std::optional<DeadLetter> findDeadLetter(gw::Redis& r, const std::string& entryId) {
    gw::InjectQueue q(r);
    gw::RedisReply rep = r.command({"XRANGE", q.deadKey(), entryId, entryId});
    if (gw::isError(rep.get())) {
        if (gw::replyString(rep.get()).find("Invalid stream ID") != std::string::npos) return std::nullopt;
        check(rep, "XRANGE");
    }
    auto v = parseEntries(rep.get());
    if (v.empty()) return std::nullopt;
    return v.front();
}

int requeueFailedRecipients(Db& db, const std::string& emailId, std::optional<int> idx) {
    Transaction tx(db);
    if (!findEmail(db, emailId)) return -1;
    Stmt s = db.prepare(
        "UPDATE recipients SET status = 'queued', attempts = 0, updated_at = ? "
        "WHERE email_id = ? AND status = 'failed' AND (? IS NULL OR idx = ?)");
    s.bind(1, nowSeconds()).bind(2, emailId).bind(3, idx).bind(4, idx);
    s.exec();
    int n = db.changes();
    refreshEmailStatus(db, emailId);
    tx.commit();
    return n;
}

int replayDeadLetter(Db& db, gw::Redis& r, const DeadLetter& d) {
    int n = requeueFailedRecipients(db, d.email_id, recipientOfReason(d.reason));
    if (n < 0) return n;
    gw::InjectQueue q(r);
    // Nothing to send when the recipient is no longer failed (delivered since,
    // replayed before): the entry is only removed.
    if (n > 0) q.enqueue(d.email_id);
    dropDeadLetter(r, d.entry_id);
    return n;
}

void dropDeadLetter(gw::Redis& r, const std::string& entryId) {
    gw::InjectQueue q(r);
    check(r.command({"XDEL", q.deadKey(), entryId}), "XDEL");
}

}  // namespace v2v::ctl
