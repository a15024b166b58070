// Per-request metrics and audit (see request_ops.h).
#include "request_ops.h"

#include <memory>
#include <mutex>
#include <utility>
#include <nlohmann/json.hpp>

#include "audit.h"
#include "log.h"
#include "ops_metrics.h"
#include "route_table.h"

namespace v2v::gw::ops {
namespace {

constexpr std::size_t kMaxIds = 500;  // a batch's ids at most

thread_local Notes tNotes;
thread_local std::string* tAuditLines = nullptr;  // the innermost AuditBatch's lines

std::unique_ptr<AuditLog>& auditLog() {
    static std::unique_ptr<AuditLog> log;
    return log;
}

void addId(const nlohmann::json& v) {
    if (v.is_string() && tNotes.emailIds.size() < kMaxIds) tNotes.emailIds.push_back(logSafe(v.get<std::string>(), 64));
}

void auditFailed(const std::string& path) {
    static std::mutex m;
    static std::int64_t lastLogged = 0;
    std::lock_guard<std::mutex> lock(m);
    std::int64_t now = nowMillis();
    if (now - lastLogged < 60000) return;
    lastLogged = now;
    V2V_LOG(error, "audit") << path << ": cannot write the audit log; requests are not being audited";
}

}  // namespace

void configure(const Config& cfg) {
    metrics::registerAll();
    auditLog().reset();
    if (cfg.log.audit_file.empty()) return;
    auditLog() = std::make_unique<AuditLog>(cfg.log.audit_file);
    std::string error;
    if (!auditLog()->open(error)) V2V_LOG(error, "audit") << "log.audit_file: " << error;
}

void beginRequest() { tNotes = Notes{}; }

Notes takeNotes() { return std::exchange(tNotes, Notes{}); }

void restoreNotes(Notes&& notes) { tNotes = std::move(notes); }

void noteClient(const std::string& clientId) { tNotes.client = logSafe(clientId, 64); }

void noteErrorCode(const std::string& code) { tNotes.errorCode = logSafe(code, 64); }

void noteResponse(int status, const nlohmann::json& body) {
    if (!body.is_object()) return;
    if (status >= 400) {
        auto e = body.find("error");
        if (e != body.end() && e->is_object() && e->contains("code") && (*e)["code"].is_string())
            noteErrorCode((*e)["code"].get<std::string>());
        return;
    }
    if (auto id = body.find("id"); id != body.end()) addId(*id);
    if (auto r = body.find("results"); r != body.end() && r->is_array())
        for (const auto& item : *r)
            if (item.is_object() && item.contains("id")) addId(item["id"]);
}

std::string auditLineOf(std::int64_t unixMs, const RequestFacts& f) {
    std::string out;
    out.reserve(256);
    auto field = [&](const char* name, std::string_view value) {
        out.append(",\"").append(name).append("\":");
        appendJsonString(out, value);
    };
    out.append("{\"ts\":\"").append(auditTime(unixMs)).append("\",\"source\":\"api\"");
    field("ip", f.ip);
    if (f.client.empty())
        out.append(",\"client\":null");
    else
        field("client", f.client);
    field("method", f.method);
    field("route", f.route);
    field("path", logSafe(f.path, 256));
    out.append(",\"status\":").append(std::to_string(f.status));
    field("result", f.status < 400 ? "ok" : (f.errorCode.empty() ? "error" : f.errorCode));
    if (f.emailIds.size() == 1) {
        field("email_id", f.emailIds.front());
    } else if (f.emailIds.empty()) {
        out.append(",\"email_id\":null");
    } else {
        out.append(",\"email_ids\":[");
        for (std::size_t i = 0; i < f.emailIds.size(); ++i) {
            if (i) out += ',';
            appendJsonString(out, f.emailIds[i]);
        }
        out += ']';
    }
    out.append(",\"duration_ms\":").append(std::to_string(static_cast<std::int64_t>(f.seconds * 1000.0 + 0.5)));
    out += '}';
    return out;
}

namespace {
void record(const std::string& method, const std::string& path, const std::string& ip, int status,
            double seconds) {
    RouteMatch m;
    try {
        m = gatewayRoutes().match(method, path);
    } catch (const std::exception& e) {
        V2V_LOG(error, "http") << "route table: " << e.what();
    }
    std::string route = m.route ? m.route->path : "other";
    metrics::httpRequest(method, route, status, seconds);
    AuditLog* log = auditLog().get();
    if (!log || (m.route && m.route->isPublic)) return;
    RequestFacts f;
    f.method = method;
    f.route = route;
    f.path = path;
    f.ip = ip;
    f.client = tNotes.client;
    f.errorCode = tNotes.errorCode;
    f.status = status;
    f.seconds = seconds;
    if (route.rfind("/api/v1/email/", 0) == 0) {
        f.emailIds = std::move(tNotes.emailIds);
        // GET /email/{id}: the email asked for, whatever the answer.
        if (auto id = m.params.find("id"); f.emailIds.empty() && id != m.params.end())
            f.emailIds.push_back(logSafe(id->second, 64));
    }
    const std::int64_t now = nowMillis();
    if (tAuditLines) {
        *tAuditLines += auditLineOf(now, f);
        *tAuditLines += '\n';
    } else if (!log->appendLines(now, auditLineOf(now, f) + "\n")) {
        auditFailed(log->path());
    }
}

}  // namespace

AuditBatch::AuditBatch() : outer_(std::exchange(tAuditLines, &lines_)) {}

AuditBatch::~AuditBatch() {
    tAuditLines = outer_;
    AuditLog* log = auditLog().get();
    if (lines_.empty() || !log) return;
    try {
        if (outer_)
            *outer_ += lines_;
        else if (!log->appendLines(nowMillis(), lines_))
            auditFailed(log->path());
    } catch (...) {  // a destructor: nothing may escape (not even from the log line)
        try {
            V2V_LOG(error, "audit") << "writing a batch of audit lines failed";
        } catch (...) {
        }
    }
}

void endRequest(const std::string& method, const std::string& path, const std::string& ip, int status,
                double seconds) {
    try {
        record(method, path, ip, status, seconds);
    } catch (const std::exception& e) {
        V2V_LOG(error, "http") << "request metrics/audit: " << e.what();
    }
}

}  // namespace v2v::gw::ops
