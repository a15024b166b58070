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
    int threads = 2;
    int max_request_bytes = 30 * 1024 * 1024;
    int header_timeout_ms = 10000;
    int body_timeout_ms = 60000;
    int injector_workers = 4;
    int max_attempts = 8;
    int retry_base_seconds = 30;
    JwtConfig jwt;
    SmtpConfig smtp;
};

struct MilterConfig {
    std::string socket = "unix:/run/v2v/milter.sock";
    int timeout_seconds = 300;
    std::string internal_header_prefix = "X-V2V-";
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

}  // namespace v2v
