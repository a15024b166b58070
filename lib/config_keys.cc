// Every key of v2v.yaml, declared once: path, bounds and documentation.
// Defaults are the member initializers in config.h. Keep man/v2v.yaml.5 and
// etc/v2v.yaml in step: t/unit/config_docs_test.cc fails when a key is missing.
#include <cctype>

#include "config_schema.h"

#define CFG(member) [](auto& c) -> auto& { return c.member; }

namespace v2v {
namespace {

std::string hostPort(const std::string& v) {
    auto colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
        return "must be HOST:PORT";
    for (std::size_t i = colon + 1; i < v.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(v[i]))) return "must be HOST:PORT";
    long port = std::stol(v.substr(colon + 1));
    if (port < 1 || port > 65535) return "port must be 1..65535";
    return "";
}

std::string nonEmpty(const std::string& v) { return v.empty() ? "must not be empty" : ""; }

std::string domainName(const std::string& v) {
    if (v.empty() || v.size() > 253) return "must be a domain name";
    for (char ch : v)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-'))
            return "must be a domain name (letters, digits, '.', '-')";
    return "";
}

std::string localPart(const std::string& v) {
    if (v.empty() || v.size() > 32) return "must be 1..32 characters";
    for (char ch : v)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'))
            return "must hold only letters, digits, '-' and '_'";
    return "";
}

std::string httpUrl(const std::string& v) {
    if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
        return "must be an http:// or https:// URL";
    if (!v.empty() && v.back() == '/') return "must not end with '/'";
    return "";
}

Schema<SigningKey> signingKeySchema() {
    Schema<SigningKey> k;
    k.string("id", CFG(id), "key id (carried in tokens as kid)", {}, localPart);
    k.secret("secret", CFG(secret), "shared secret, at least 32 characters");
    k.require("id");
    k.require("secret");
    return k;
}

void declareShared(Schema<Config>& s) {
    s.string("log.level", CFG(log.level), "least severity logged",
             {"debug", "info", "notice", "warning", "error"});
    s.boolean("log.stderr", CFG(log.to_stderr), "log to standard error");
    s.boolean("log.syslog", CFG(log.to_syslog), "log to syslog, facility mail");
    s.string("log.audit_file", CFG(log.audit_file),
             "JSON-lines audit log of authenticated requests and admin changes; empty = off");

    s.string("database.path", CFG(database.path), "SQLite database file", {}, nonEmpty);
    s.integer("database.busy_timeout_ms", CFG(database.busy_timeout_ms), 1, 600000,
              "how long a writer waits for the database lock");

    s.string("redis.host", CFG(redis.host), "Redis server host or unix socket path", {}, nonEmpty);
    s.integer("redis.port", CFG(redis.port), 0, 65535, "Redis TCP port (0 = host is a unix socket)");
    s.secret("redis.password", CFG(redis.password), "Redis AUTH password; empty = none");
    s.integer("redis.db", CFG(redis.db), 0, 15, "Redis database number");
    s.integer("redis.timeout_ms", CFG(redis.timeout_ms), 10, 60000, "connect and command timeout");
    s.string("redis.key_prefix", CFG(redis.key_prefix), "prefix of every Redis key", {}, nonEmpty);

    s.string("domains.bounce_domain", CFG(domains.bounce_domain),
             "domain of the per-recipient VERP return path, routed to the bounce pipe", {},
             domainName);
    s.string("domains.verp_prefix", CFG(domains.verp_prefix), "local-part prefix of the return path",
             {}, localPart);
    s.strings("domains.sending", CFG(domains.sending), "domains this installation sends for",
              domainName);

    s.string("tracking.base_url", CFG(tracking.base_url),
             "public base URL of the gateway used in tracking links", {}, httpUrl);
    s.records("tracking.keys", CFG(tracking.keys), signingKeySchema(),
              "HMAC keys of tracking tokens; the first signs, all verify");
}

void declareGateway(Schema<Config>& s) {
    s.string("gateway.listen", CFG(gateway.listen), "HTTP listen address", {}, hostPort);
    s.integer("gateway.threads", CFG(gateway.threads), 1, 64, "HTTP worker threads");
    s.integer("gateway.max_request_bytes", CFG(gateway.max_request_bytes), 1024, 100 * 1024 * 1024,
              "largest accepted HTTP request");
    s.integer("gateway.header_timeout_ms", CFG(gateway.header_timeout_ms), 100, 600000,
              "time allowed to receive request headers");
    s.integer("gateway.body_timeout_ms", CFG(gateway.body_timeout_ms), 100, 600000,
              "time allowed to receive a request body");
    s.integer("gateway.injector_workers", CFG(gateway.injector_workers), 1, 64,
              "SMTP injector threads (one persistent SMTP session each)");
    s.integer("gateway.max_attempts", CFG(gateway.max_attempts), 1, 100,
              "SMTP attempts before a message goes to the dead-letter stream");
    s.integer("gateway.retry_base_seconds", CFG(gateway.retry_base_seconds), 1, 86400,
              "first retry delay; doubled each attempt, with jitter");
    s.string("gateway.jwt.issuer", CFG(gateway.jwt.issuer), "JWT iss claim", {}, nonEmpty);
    s.integer("gateway.jwt.ttl_seconds", CFG(gateway.jwt.ttl_seconds), 60, 86400,
              "lifetime of issued access tokens");
    s.records("gateway.jwt.keys", CFG(gateway.jwt.keys), signingKeySchema(),
              "HS256 keys; the first signs new tokens, all verify (rotation)");
    s.string("gateway.smtp.host", CFG(gateway.smtp.host), "Postfix smtpd host", {}, nonEmpty);
    s.integer("gateway.smtp.port", CFG(gateway.smtp.port), 1, 65535, "Postfix smtpd port");
    s.string("gateway.smtp.helo", CFG(gateway.smtp.helo), "EHLO name of the injector", {}, domainName);
    s.integer("gateway.smtp.timeout_ms", CFG(gateway.smtp.timeout_ms), 100, 600000,
              "timeout of each SMTP command");
}

void declareMilter(Schema<Config>& s) {
    s.string("milter.socket", CFG(milter.socket), "libmilter socket (unix:/path or inet:port@host)",
             {}, nonEmpty);
    s.integer("milter.timeout_seconds", CFG(milter.timeout_seconds), 1, 3600,
              "libmilter I/O timeout");
    s.string("milter.internal_header_prefix", CFG(milter.internal_header_prefix),
             "internal headers with this prefix are removed from outbound mail", {}, nonEmpty);
}

void declareBounceParser(Schema<Config>& s) {
    s.integer("bounce_parser.max_message_bytes", CFG(bounce_parser.max_message_bytes), 1024,
              100 * 1024 * 1024, "reports larger than this are truncated before parsing");
    s.integer("bounce_parser.raw_cap_bytes", CFG(bounce_parser.raw_cap_bytes), 0, 10 * 1024 * 1024,
              "how much of the raw report is stored with a bounce");
}

}  // namespace

void declareConfigKeys(Schema<Config>& s) {
    declareShared(s);
    declareGateway(s);
    declareMilter(s);
    declareBounceParser(s);
}

}  // namespace v2v
