// What the gateway records about each request it answers: the metrics
// (ops_metrics.h) and, for every non-public route, one audit log line with
// the client, route, path, status (and error code), email ids and source IP.
// A handler runs on one thread, so the facts it learns on the way (the
// authenticated client, the email ids in the answer) are kept in a
// thread-local record that guarded() (http_util.cc) opens and closes; an
// answer deferred to another thread (DeferredAnswer) carries them there.
// No Pistache here: libgateway code (auth.cc) notes facts too.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config.h"

namespace v2v::gw::ops {

// Opens the audit log of log.audit_file (empty = off). Logs and continues when
// it cannot be opened now (each request retries and the failure is logged).
// Called once at start, before requests are served.
void configure(const Config& cfg);

// What a request has learnt so far (see below).
struct Notes {
    std::string client;
    std::string errorCode;
    std::vector<std::string> emailIds;
};

void beginRequest();
// Moves the calling thread's notes out (a request answered later, from
// another thread, takes them along) and puts them back on that thread.
Notes takeNotes();
void restoreNotes(Notes&& notes);
// The client the request speaks for (token subject, or the client id of a token request).
void noteClient(const std::string& clientId);
// The JSON answer: email ids ("id", "results[].id") and the error code.
void noteResponse(int status, const nlohmann::json& body);
void noteErrorCode(const std::string& code);
// Records the request: metrics always, the audit line unless the route is public.
void endRequest(const std::string& method, const std::string& path, const std::string& ip, int status,
                double seconds);

// While one is alive, the audit lines of requests recorded on this thread are
// kept and written together (one write(2)) when it ends: a thread that
// answers a batch of requests (the send committer) writes their lines at once.
class AuditBatch {
public:
    AuditBatch();
    ~AuditBatch();
    AuditBatch(const AuditBatch&) = delete;
    AuditBatch& operator=(const AuditBatch&) = delete;

private:
    std::string lines_;
    std::string* outer_;
};

// What one audit line says (pure, for tests).
struct RequestFacts {
    std::string method, route, path, ip, client, errorCode;
    std::vector<std::string> emailIds;
    int status = 0;
    double seconds = 0;
};
// The request's audit line (without the newline), written field by field
// (one per request on the answering thread: no JSON value is built), in
// auditLine()'s format: "ts", source, ip, client, method, route, path,
// status, result, email_id (or email_ids), duration_ms.
std::string auditLineOf(std::int64_t unixMs, const RequestFacts& f);

}  // namespace v2v::gw::ops
