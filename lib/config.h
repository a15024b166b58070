// Typed configuration of every V2V program, loaded from one YAML file.
// Each key is declared once (lib/config_*.cc) with its default and bounds;
// unknown keys and bad values are errors naming the file, line and key path.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace v2v {

struct LogConfig {
    std::string level = "info";  // debug | info | notice | warning | error
    bool to_stderr = true;
    bool to_syslog = false;
    std::string audit_file;  // JSON-lines audit log; empty = off
};

struct DatabaseConfig {
    std::string path = "/var/lib/v2v/v2v.db";
    int busy_timeout_ms = 5000;
    std::string synchronous = "full";  // "full": commits survive a power loss; "normal": a process crash only
};

struct RedisConfig {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;  // secret: never logged
    int db = 0;
    int timeout_ms = 2000;
    std::string key_prefix = "v2v:";
};

struct DomainsConfig {
    std::string bounce_domain = "bounces.localhost";  // VERP return-path domain
    std::string verp_prefix = "bounce";
    std::vector<std::string> sending;  // domains this installation sends for
};

struct SigningKey {
    std::string id;      // key id, carried inside tokens / JWT "kid"
    std::string secret;  // secret: never logged
};

struct TrackingConfig {
    std::string base_url = "http://127.0.0.1:8080";  // public URL of the gateway
    std::vector<SigningKey> keys;                     // first = active; others verify only
    int queue_max_events = 100000;                    // opens/clicks waiting for the event writer
    int flush_interval_ms = 200;                      // longest wait before a batch is written
};

struct JwtConfig {
    std::string issuer = "v2v-gateway";
    int ttl_seconds = 900;
    std::vector<SigningKey> keys;  // first signs; all verify (rotation)
};

struct SmtpConfig {
    std::string host = "127.0.0.1";
    int port = 25;
    std::string helo = "localhost";
    int timeout_ms = 30000;
};

struct GatewayConfig {
    std::string listen = "127.0.0.1:8080";
    // HTTP threads parse and build; sends are committed by the send committer
    // (no handler waits for it, but the synchronous routes, idempotent sends
    // and batches, hold their thread until their commit). 2 cores, wrk 32
    // connections, accept path alone, alternating runs: 2 threads 5.9-6.8k
    // sends/s, 4 threads 5.1-6.6k, 8 threads 4.5-6.2k: within the machine's
    // noise, so 8 are kept for the synchronous routes.
    int threads = 8;
    int max_request_bytes = 30 * 1024 * 1024;
    int header_timeout_ms = 10000;
    int body_timeout_ms = 60000;
    int commit_threads = 1;  // send committers: rate check, commit, queue (gateway/send_committer.h)
    int injector_workers = 8;  // each waits on its Postfix transaction (milter included)
    int max_attempts = 8;
    int retry_base_seconds = 30;
    int reconcile_interval_seconds = 60;
    int reconcile_age_seconds = 300;
    std::string metrics_listen;        // separate HOST:PORT for /metrics; empty = the API port
    int metrics_refresh_seconds = 15;  // database and queue metrics refresh period
    JwtConfig jwt;
    SmtpConfig smtp;
};

// One DKIM signing key: a domain may list several (RSA + Ed25519, old + new selector).
struct DkimKeyConfig {
    std::string domain;
    std::string selector;
    std::string key_file;  // PEM private key (PKCS#1 or PKCS#8); secret: never logged
    std::string algorithm = "rsa-sha256";  // rsa-sha256 | ed25519-sha256
};

// Domains an authenticated (SASL) user may have signed.
struct DkimUserDomains {
    std::string user;
    std::vector<std::string> domains;
};

struct MilterDirectionConfig {
    std::vector<std::string> internal_networks = {"127.0.0.0/8", "::1/128"};
    bool authenticated = true;              // SASL-authenticated clients are outbound
    std::vector<std::string> daemon_names;  // {daemon_name} values that are outbound
};

struct MilterDkimConfig {
    bool sign = true;
    bool verify = true;
    std::vector<DkimKeyConfig> keys;
    bool sign_parent_domain = false;
    std::vector<DkimUserDomains> users;
    std::string canonicalization = "relaxed/relaxed";
    std::vector<std::string> signed_headers = {
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post",
        "In-Reply-To", "References"};
    std::vector<std::string> oversigned_headers = {"From", "To", "Subject"};
    bool preparsed_keys = true;
    int max_signatures = 5;
    int dns_timeout_seconds = 5;
    std::string test_keys_file;  // "<selector>._domainkey.<domain> <TXT>" lines instead of DNS
    std::string key_table;       // keys managed by `v2vctl dkim` (lib/dkim_key_table.h); empty = none
};

struct MilterSpfConfig {
    bool enabled = true;
    std::string fail_action = "reject";        // reject | tag
    std::string softfail_action = "tag";       // reject | tag
    std::string temperror_action = "tempfail"; // tempfail | tag
    std::string permerror_action = "tag";      // reject | tempfail | tag
    bool check_helo = true;
    bool received_spf = false;
    std::vector<std::string> bypass_networks;
    int cache_seconds = 300;
    int cache_entries = 10000;
    std::string test_zone_file;  // "<name> <TYPE> <data>" lines instead of DNS
};

// A tracking default for outbound mail that carries no X-V2V-Track header
// (mail submitted over SMTP): matched by SASL user or by From domain.
struct MilterTrackingDefault {
    std::string match;      // users[].user or domains[].domain
    std::string client_id;  // carried in tokens when the mail has no VERP return path
    bool opens = false;
    bool clicks = false;
};

struct MilterTrackingConfig {
    bool enabled = true;
    bool text_links = false;                    // also rewrite URLs in text/plain parts
    std::vector<std::string> excluded_domains;  // links to these (and subdomains) stay as written
    int max_message_bytes = 10 * 1024 * 1024;   // larger messages are not rewritten
    int max_depth = 20;
    int max_parts = 500;
    std::vector<MilterTrackingDefault> users;
    std::vector<MilterTrackingDefault> domains;
};

struct MilterConfig {
    std::string socket = "unix:/run/v2v/milter.sock";
    std::string socket_mode = "0660";
    int timeout_seconds = 300;
    std::string internal_header_prefix = "X-V2V-";
    std::string on_error = "tempfail";  // tempfail | accept | reject
    std::string authserv_id;            // empty = the host name
    int max_message_bytes = 64 * 1024 * 1024;
    std::string metrics_listen;  // HOST:PORT serving /metrics; empty = no metrics endpoint
    MilterDirectionConfig direction;
    MilterDkimConfig dkim;
    MilterSpfConfig spf;
    MilterTrackingConfig tracking;
};

struct BounceParserConfig {
    int max_message_bytes = 10 * 1024 * 1024;
    int raw_cap_bytes = 64 * 1024;
};

struct Config {
    std::string file;  // where it was loaded from (for messages)
    LogConfig log;
    DatabaseConfig database;
    RedisConfig redis;
    DomainsConfig domains;
    TrackingConfig tracking;
    GatewayConfig gateway;
    MilterConfig milter;
    BounceParserConfig bounce_parser;
};

using ConfigPtr = std::shared_ptr<const Config>;

// Raised for any problem with the configuration; what() names file, line and key.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parse YAML text; `file` is only used in messages. Throws ConfigError.
Config parseConfig(const std::string& yamlText, const std::string& file);
// Read and parse a file. Throws ConfigError (also when unreadable).
ConfigPtr loadConfig(const std::string& path);

// One declared key, for documentation checks (man page, example file).
struct ConfigKeyInfo {
    std::string path;           // e.g. "gateway.smtp.port", "milter.dkim.keys[].selector"
    std::string type;           // int | bool | string | list | secret | records
    std::string default_value;  // as text
    std::string doc;
};
std::vector<ConfigKeyInfo> configKeys();
// A complete commented v2v.yaml with every key at its default (etc/v2v.yaml).
std::string configExampleYaml();

}  // namespace v2v
