// API clients (table `clients`): credentials hashed with Argon2id (libsodium
// crypto_pwhash_str), scopes, allowed From domains and per-client limits.
// Shared by the gateway (authentication) and v2vctl (administration).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db.h"

namespace v2v {

struct Client {
    std::string id;
    std::string name;
    std::vector<std::string> scopes;                // send templates read admin
    std::vector<std::string> allowed_from_domains;  // "*" = any
    double rate_per_second = 10;
    int rate_burst = 100;
    long long max_message_bytes = 10 * 1024 * 1024;
    int max_recipients = 50;
    bool track_opens = false;
    bool track_clicks = false;
    bool list_unsubscribe = false;
    bool disabled = false;

    bool hasScope(const std::string& s) const;
    // True when mail may be sent From this domain (exact or a subdomain of an allowed one).
    bool mayUseFromDomain(const std::string& domain) const;
};

// Argon2id hash in libsodium's self-describing string form.
std::string hashSecret(const std::string& secret);
// Constant-time check. False for a malformed hash.
bool verifySecret(const std::string& hash, const std::string& secret);

// Valid client id: 1..64 of [A-Za-z0-9._-].
bool validClientId(const std::string& id);
bool validScope(const std::string& scope);

std::optional<Client> loadClient(Db& db, const std::string& id);
// Returns the stored secret hash, or nullopt for an unknown client.
std::optional<std::string> loadSecretHash(Db& db, const std::string& id);
void insertClient(Db& db, const Client& c, const std::string& secretHash);
void updateClient(Db& db, const Client& c);
void setClientSecretHash(Db& db, const std::string& id, const std::string& secretHash);
std::vector<Client> listClients(Db& db);

std::vector<std::string> splitWords(const std::string& s);
std::string joinWords(const std::vector<std::string>& v);

}  // namespace v2v
