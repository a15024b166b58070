// API client records and secret hashing.
#include "clients.h"

#include <sodium.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "records.h"

namespace v2v {

std::vector<std::string> splitWords(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

std::string joinWords(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& w : v) out += (out.empty() ? "" : " ") + w;
    return out;
}

bool Client::hasScope(const std::string& s) const {
    return std::find(scopes.begin(), scopes.end(), s) != scopes.end() ||
           std::find(scopes.begin(), scopes.end(), "admin") != scopes.end();
}

bool Client::mayUseFromDomain(const std::string& domainIn) const {
    std::string domain = toLowerAscii(domainIn);
    for (const auto& allowedIn : allowed_from_domains) {
        std::string allowed = toLowerAscii(allowedIn);
        if (allowed == "*" || allowed == domain) return true;
        if (domain.size() > allowed.size() + 1 &&
            domain.compare(domain.size() - allowed.size(), allowed.size(), allowed) == 0 &&
            domain[domain.size() - allowed.size() - 1] == '.')
            return true;
    }
    return false;
}

std::string hashSecret(const std::string& secret) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("out of memory while hashing a secret");
    return out;
}

bool verifySecret(const std::string& hash, const std::string& secret) {
    if (sodium_init() < 0) return false;
    if (hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), secret.data(), secret.size()) == 0;
}

bool validClientId(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

bool validScope(const std::string& s) {
    return s == "send" || s == "templates" || s == "read" || s == "admin";
}

namespace {
const char* kColumns =
    "id, name, scopes, allowed_from_domains, rate_per_second, rate_burst, max_message_bytes, "
    "max_recipients, track_opens, track_clicks, list_unsubscribe, disabled";

Client readClient(const Stmt& s) {
    Client c;
    c.id = s.getText(0);
    c.name = s.getText(1);
    c.scopes = splitWords(s.getText(2));
    c.allowed_from_domains = splitWords(s.getText(3));
    c.rate_per_second = s.getDouble(4);
    c.rate_burst = static_cast<int>(s.getInt(5));
    c.max_message_bytes = s.getInt(6);
    c.max_recipients = static_cast<int>(s.getInt(7));
    c.track_opens = s.getInt(8) != 0;
    c.track_clicks = s.getInt(9) != 0;
    c.list_unsubscribe = s.getInt(10) != 0;
    c.disabled = s.getInt(11) != 0;
    return c;
}
}  // namespace

std::optional<Client> loadClient(Db& db, const std::string& id) {
    auto s = db.query(std::string("SELECT ") + kColumns + " FROM clients WHERE id = ?");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    return readClient(*s);
}

std::optional<std::string> loadSecretHash(Db& db, const std::string& id) {
    auto s = db.query("SELECT secret_hash FROM clients WHERE id = ?");
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    return s->getText(0);
}

std::vector<Client> listClients(Db& db) {
    std::vector<Client> out;
    auto s = db.query(std::string("SELECT ") + kColumns + " FROM clients ORDER BY id");
    while (s->step()) out.push_back(readClient(*s));
    return out;
}

void insertClient(Db& db, const Client& c, const std::string& secretHash) {
    std::int64_t now = nowSeconds();
    db.cached(
          "INSERT INTO clients(id, name, secret_hash, scopes, allowed_from_domains, rate_per_second, "
          "rate_burst, max_message_bytes, max_recipients, track_opens, track_clicks, list_unsubscribe, "
          "disabled, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, c.id).bind(2, c.name).bind(3, secretHash).bind(4, joinWords(c.scopes))
        .bind(5, joinWords(c.allowed_from_domains)).bind(6, c.rate_per_second).bind(7, c.rate_burst)
        .bind(8, static_cast<std::int64_t>(c.max_message_bytes)).bind(9, c.max_recipients)
        .bind(10, c.track_opens).bind(11, c.track_clicks).bind(12, c.list_unsubscribe)
        .bind(13, c.disabled).bind(14, now).bind(15, now)
        .exec();
}

void updateClient(Db& db, const Client& c) {
    db.cached(
          "UPDATE clients SET name=?, scopes=?, allowed_from_domains=?, rate_per_second=?, rate_burst=?, "
          "max_message_bytes=?, max_recipients=?, track_opens=?, track_clicks=?, list_unsubscribe=?, "
          "disabled=?, updated_at=? WHERE id=?")
        .bind(1, c.name).bind(2, joinWords(c.scopes)).bind(3, joinWords(c.allowed_from_domains))
        .bind(4, c.rate_per_second).bind(5, c.rate_burst)
        .bind(6, static_cast<std::int64_t>(c.max_message_bytes)).bind(7, c.max_recipients)
        .bind(8, c.track_opens).bind(9, c.track_clicks).bind(10, c.list_unsubscribe)
        .bind(11, c.disabled).bind(12, nowSeconds()).bind(13, c.id)
        .exec();
}

void setClientSecretHash(Db& db, const std::string& id, const std::string& secretHash) {
    db.cached("UPDATE clients SET secret_hash = ?, updated_at = ? WHERE id = ?")
        .bind(1, secretHash).bind(2, nowSeconds()).bind(3, id)
        .exec();
}

}  // namespace v2v
