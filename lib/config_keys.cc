// Every key of v2v.yaml, declared once: path, bounds and documentation.
// Defaults are the member initializers in config.h. Keep man/v2v.yaml.5 and
// etc/v2v.yaml in step: t/unit/config_docs_test.cc fails when a key is missing.
#include <arpa/inet.h>

#include <algorithm>
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

std::string optionalHostPort(const std::string& v) { return v.empty() ? "" : hostPort(v); }

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
    // It goes into HTML attributes and the List-Unsubscribe header (issue 5).
    for (char ch : v)
        if (ch <= ' ' || ch == 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\' || ch < 0)
            return "must be printable ASCII without spaces, quotes or angle brackets";
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
    s.string("database.synchronous", CFG(database.synchronous),
             "full: every commit (an accepted email, a bounce) is on disk before it is reported, and survives "
             "a power loss; normal: it survives a crash of the process, but the last commits may be lost with "
             "the machine (faster sends)",
             {"full", "normal"});

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
    s.integer("tracking.queue_max_events", CFG(tracking.queue_max_events), 100, 10000000,
              "opens and clicks waiting for the gateway's event writer; beyond, an open is answered 503 and "
              "a click redirected without being recorded (both counted and logged)");
    s.integer("tracking.flush_interval_ms", CFG(tracking.flush_interval_ms), 1, 60000,
              "longest time an open or click waits before its batch is written to the database");
}

void declareGateway(Schema<Config>& s) {
    s.string("gateway.listen", CFG(gateway.listen), "HTTP listen address", {}, hostPort);
    s.integer("gateway.threads", CFG(gateway.threads), 1, 64,
              "HTTP worker threads (parse requests and build messages; a sync route waits for its commit)");
    s.integer("gateway.commit_threads", CFG(gateway.commit_threads), 1, 32,
              "threads that commit and queue accepted sends in batches, after one thread has rate-checked "
              "them; they share one database connection and take turns (more overlap their Redis round "
              "trips and fsyncs but make smaller batches: one measured cheapest)");
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
    s.integer("gateway.reconcile_interval_seconds", CFG(gateway.reconcile_interval_seconds), 5, 86400,
              "how often the reconciler looks for pending emails Redis has lost");
    s.integer("gateway.reconcile_age_seconds", CFG(gateway.reconcile_age_seconds), 5, 86400,
              "a pending email untouched this long is re-queued by the reconciler");
    s.string("gateway.metrics_listen", CFG(gateway.metrics_listen),
             "separate HOST:PORT serving /metrics (admin only); empty = /metrics on gateway.listen", {},
             optionalHostPort);
    s.integer("gateway.metrics_refresh_seconds", CFG(gateway.metrics_refresh_seconds), 1, 3600,
              "how often the delivery, queue and readiness metrics are read from SQLite and Redis");
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

// milter.socket: the milter spelling (unix:/path, local:/path, inet:port@host, inet6:port@host).
std::string milterSocket(const std::string& v) {
    if (v.rfind("unix:/", 0) == 0 || v.rfind("local:/", 0) == 0) return "";
    if (v.rfind("inet:", 0) == 0 || v.rfind("inet6:", 0) == 0) {
        std::string rest = v.substr(v.find(':') + 1);
        std::string port = rest.substr(0, rest.find('@'));
        if (!port.empty() && port.size() <= 5 &&
            std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            return "";
    }
    return "must be unix:/path or inet:PORT@HOST";
}

std::string octalMode(const std::string& v) {
    if (v.size() < 3 || v.size() > 4) return "must be an octal mode such as 0660";
    for (char ch : v)
        if (ch < '0' || ch > '7') return "must be an octal mode such as 0660";
    return "";
}

// Address or network in CIDR notation (IPv4 or IPv6); a bare address is a host.
std::string cidr(const std::string& v) {
    std::string addr = v.substr(0, v.find('/'));
    unsigned char buf[16];
    int maxBits = 0;
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1) maxBits = 32;
    else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) maxBits = 128;
    else return "must be an IP address or network (CIDR)";
    if (addr.size() == v.size()) return "";
    std::string bits = v.substr(addr.size() + 1);
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
        std::stoi(bits) > maxBits)
        return "prefix length must be 0.." + std::to_string(maxBits);
    return "";
}

// DKIM selector: dot-separated DNS labels.
std::string selectorName(const std::string& v) {
    if (v.empty() || v.size() > 63) return "must be 1..63 characters";
    for (char ch : v)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
            return "must hold only letters, digits, '-', '_' and '.'";
    return "";
}

// RFC 5322 field name: printable ASCII except ':'.
std::string headerName(const std::string& v) {
    if (v.empty() || v.size() > 64) return "must be a header field name";
    for (char ch : v)
        if (ch <= 32 || ch >= 127 || ch == ':') return "must be a header field name";
    return "";
}

Schema<DkimKeyConfig> dkimKeySchema() {
    Schema<DkimKeyConfig> k;
    k.string("domain", CFG(domain), "signing domain (d=)", {}, domainName);
    k.string("selector", CFG(selector), "selector (s=); the key is published at SELECTOR._domainkey.DOMAIN",
             {}, selectorName);
    k.string("key_file", CFG(key_file), "PEM private key file (RSA >= 1024 bits, or Ed25519)", {}, nonEmpty);
    k.string("algorithm", CFG(algorithm), "signing algorithm", {"rsa-sha256", "ed25519-sha256"});
    k.require("domain");
    k.require("selector");
    k.require("key_file");
    return k;
}

Schema<DkimUserDomains> dkimUserSchema() {
    Schema<DkimUserDomains> u;
    u.string("user", CFG(user), "SASL login name ({auth_authen})", {}, nonEmpty);
    u.strings("domains", CFG(domains), "From domains this user's mail is signed for", domainName);
    u.require("user");
    u.require("domains");
    return u;
}

void declareMilter(Schema<Config>& s) {
    s.string("milter.socket", CFG(milter.socket), "milter socket (unix:/path or inet:PORT@HOST)", {},
             milterSocket);
    s.string("milter.socket_mode", CFG(milter.socket_mode),
             "permissions of a unix socket (smtpd runs as user postfix and must connect)", {}, octalMode);
    s.integer("milter.timeout_seconds", CFG(milter.timeout_seconds), 1, 3600, "longest wait for the rest of a command the MTA started, or for a write to it");
    s.string("milter.internal_header_prefix", CFG(milter.internal_header_prefix),
             "headers with this prefix are internal: removed from every message", {}, headerName);
    s.string("milter.on_error", CFG(milter.on_error),
             "what an internal error does to the message", {"tempfail", "accept", "reject"});
    s.string("milter.authserv_id", CFG(milter.authserv_id),
             "authserv-id of Authentication-Results; empty = the host name");
    s.integer("milter.max_message_bytes", CFG(milter.max_message_bytes), 1024, 1024 * 1024 * 1024,
              "largest outbound message held for rewriting and signing; larger ones are refused (552 5.3.4)");

    s.string("milter.metrics_listen", CFG(milter.metrics_listen),
             "HOST:PORT serving Prometheus /metrics; empty = none", {}, optionalHostPort);
    s.strings("milter.direction.internal_networks", CFG(milter.direction.internal_networks),
              "clients in these networks send outbound mail", cidr);
    s.boolean("milter.direction.authenticated", CFG(milter.direction.authenticated),
              "SASL-authenticated clients send outbound mail");
    s.strings("milter.direction.daemon_names", CFG(milter.direction.daemon_names),
              "Postfix {daemon_name} values (e.g. ORIGINATING) whose mail is outbound");

    s.boolean("milter.dkim.sign", CFG(milter.dkim.sign), "DKIM-sign outbound mail");
    s.boolean("milter.dkim.verify", CFG(milter.dkim.verify), "verify DKIM signatures of inbound mail");
    s.records("milter.dkim.keys", CFG(milter.dkim.keys), dkimKeySchema(),
              "key table: every key of a domain signs (dual algorithms, rotation)");
    s.boolean("milter.dkim.sign_parent_domain", CFG(milter.dkim.sign_parent_domain),
              "sign mail from a subdomain with its nearest parent domain's keys");
    s.records("milter.dkim.users", CFG(milter.dkim.users), dkimUserSchema(),
              "authenticated users and the From domains signed for them; others are not signed");
    s.string("milter.dkim.canonicalization", CFG(milter.dkim.canonicalization),
             "header/body canonicalization",
             {"relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple"});
    s.strings("milter.dkim.signed_headers", CFG(milter.dkim.signed_headers),
              "header fields signed when present (From is required)", headerName);
    s.strings("milter.dkim.oversigned_headers", CFG(milter.dkim.oversigned_headers),
              "header fields signed once more than present, so none can be added", headerName);
    s.boolean("milter.dkim.preparsed_keys", CFG(milter.dkim.preparsed_keys),
              "hand libopendkim keys parsed once at load instead of parsing PEM per message");
    s.integer("milter.dkim.max_signatures", CFG(milter.dkim.max_signatures), 1, 50,
              "signatures verified per inbound message; the rest are ignored");
    s.integer("milter.dkim.dns_timeout_seconds", CFG(milter.dkim.dns_timeout_seconds), 1, 120,
              "timeout of a DKIM key lookup");
    s.string("milter.dkim.key_table", CFG(milter.dkim.key_table),
             "file of extra signing keys managed by v2vctl dkim (\"DOMAIN SELECTOR ALGORITHM KEY_FILE "
             "[RETIRE_AFTER]\" lines); a key past its retire date no longer signs");
    s.string("milter.dkim.test_keys_file", CFG(milter.dkim.test_keys_file),
             "testing only: file of \"SELECTOR._domainkey.DOMAIN TXT\" lines used instead of DNS");

    s.boolean("milter.spf.enabled", CFG(milter.spf.enabled), "check SPF of inbound mail");
    s.string("milter.spf.fail_action", CFG(milter.spf.fail_action),
             "SPF fail: reject = 550 5.7.23 at MAIL FROM; tag = Authentication-Results only",
             {"reject", "tag"});
    s.string("milter.spf.softfail_action", CFG(milter.spf.softfail_action), "SPF softfail",
             {"reject", "tag"});
    s.string("milter.spf.temperror_action", CFG(milter.spf.temperror_action),
             "SPF temperror: tempfail = 451 4.7.24", {"tempfail", "tag"});
    s.string("milter.spf.permerror_action", CFG(milter.spf.permerror_action),
             "SPF permerror: reject = 550 5.7.24, tempfail = 451 4.7.24", {"reject", "tempfail", "tag"});
    s.boolean("milter.spf.check_helo", CFG(milter.spf.check_helo),
              "also check the HELO identity (always done for the null sender)");
    s.boolean("milter.spf.received_spf", CFG(milter.spf.received_spf), "add a Received-SPF header");
    s.strings("milter.spf.bypass_networks", CFG(milter.spf.bypass_networks),
              "clients in these networks are not SPF-checked", cidr);
    s.integer("milter.spf.cache_seconds", CFG(milter.spf.cache_seconds), 0, 86400,
              "how long an SPF result is reused (0 = no cache)");
    s.integer("milter.spf.cache_entries", CFG(milter.spf.cache_entries), 1, 10000000,
              "most SPF results kept in the cache");
    s.string("milter.spf.test_zone_file", CFG(milter.spf.test_zone_file),
             "testing only: file of \"NAME TYPE DATA\" lines used instead of DNS");
}

Schema<MilterTrackingDefault> trackingDefaultSchema(const char* matchKey, const char* matchDoc,
                                                   std::function<std::string(const std::string&)> check) {
    Schema<MilterTrackingDefault> d;
    d.string(matchKey, CFG(match), matchDoc, {}, check);
    d.string("client_id", CFG(client_id),
             "client the opens and clicks count for when the mail has no VERP return path", {}, nonEmpty);
    d.boolean("opens", CFG(opens), "add the open pixel");
    d.boolean("clicks", CFG(clicks), "rewrite links to click URLs");
    d.require(matchKey);
    d.require("client_id");
    return d;
}

void declareMilterTracking(Schema<Config>& s) {
    s.boolean("milter.tracking.enabled", CFG(milter.tracking.enabled),
              "rewrite outbound mail that asks for tracking (open pixel, click links, List-Unsubscribe)");
    s.boolean("milter.tracking.text_links", CFG(milter.tracking.text_links),
              "also rewrite URLs in text/plain parts when clicks are tracked");
    s.strings("milter.tracking.excluded_domains", CFG(milter.tracking.excluded_domains),
              "links to these domains (and their subdomains) are never rewritten", domainName);
    s.integer("milter.tracking.max_message_bytes", CFG(milter.tracking.max_message_bytes), 1024,
              1024 * 1024 * 1024, "larger messages are sent without tracking");
    s.integer("milter.tracking.max_depth", CFG(milter.tracking.max_depth), 1, 100,
              "deeper MIME nesting: the message is sent without tracking");
    s.integer("milter.tracking.max_parts", CFG(milter.tracking.max_parts), 1, 100000,
              "more MIME parts: the message is sent without tracking");
    s.records("milter.tracking.users", CFG(milter.tracking.users),
              trackingDefaultSchema("user", "SASL login name ({auth_authen})", nonEmpty),
              "tracking of the mail of these SASL-authenticated users (their X-V2V-* headers are ignored)");
    s.records("milter.tracking.domains", CFG(milter.tracking.domains),
              trackingDefaultSchema("domain", "From domain", domainName),
              "tracking by From domain for unauthenticated outbound mail without X-V2V-Track");
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
    declareMilterTracking(s);
    declareBounceParser(s);
}

}  // namespace v2v
