// Key loading, DNS records and key choice (see dkim_keys.h).
#include "dkim_keys.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "headers.h"

namespace v2v::milter {
namespace {

std::string base64(const unsigned char* data, std::size_t len) {
    std::string out(4 * ((len + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
    out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return out;
}

std::string readKeyFile(const std::string& path, const std::string& keyPath,
                        std::vector<std::string>* warnings) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw ConfigError(keyPath + ".key_file: cannot read " + path + ": " + std::strerror(errno));
    if ((st.st_mode & S_IROTH) && warnings)
        warnings->push_back(keyPath + ".key_file: " + path + " is readable by every user");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(keyPath + ".key_file: cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (ss.str().size() > 64 * 1024) throw ConfigError(keyPath + ".key_file: " + path + " is too large");
    return ss.str();
}

bool underDomain(const std::string& domain, const std::string& parent) {
    return domain == parent ||
           (domain.size() > parent.size() && domain.compare(domain.size() - parent.size(), parent.size(), parent) == 0 &&
            domain[domain.size() - parent.size() - 1] == '.');
}

}  // namespace

const char* algorithmName(DkimAlgorithm a) {
    return a == DkimAlgorithm::ed25519Sha256 ? "ed25519-sha256" : "rsa-sha256";
}

std::unique_ptr<DkimKey> parseDkimKey(const DkimKeyConfig& cfg, const std::string& pem,
                                            const std::string& keyPath, std::string* warning) {
    auto k = std::make_unique<DkimKey>();
    k->domain = lower(cfg.domain);
    k->selector = cfg.selector;
    k->file = cfg.key_file;
    k->algorithm = cfg.algorithm == "ed25519-sha256" ? DkimAlgorithm::ed25519Sha256 : DkimAlgorithm::rsaSha256;
    if (pem.rfind("-----BEGIN ", 0) != 0 && pem.find("\n-----BEGIN ") == std::string::npos)
        throw ConfigError(keyPath + ".key_file: " + cfg.key_file + " is not a PEM private key");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw ConfigError(keyPath + ": out of memory");
    k->pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
    if (!k->pkey)
        throw ConfigError(keyPath + ".key_file: " + cfg.key_file +
                          " is not a readable unencrypted PEM private key");
    int type = EVP_PKEY_get_base_id(k->pkey.get());
    if (k->algorithm == DkimAlgorithm::rsaSha256) {
        if (type != EVP_PKEY_RSA)
            throw ConfigError(keyPath + ".algorithm: rsa-sha256 needs an RSA key; " + cfg.key_file +
                              " holds another type");
        k->bits = EVP_PKEY_get_bits(k->pkey.get());
        if (k->bits < 1024)
            throw ConfigError(keyPath + ".key_file: " + cfg.key_file + ": RSA key of " +
                              std::to_string(k->bits) + " bits refused (at least 1024, RFC 8301)");
        if (k->bits < 2048 && warning)
            *warning = keyPath + ".key_file: " + cfg.key_file + ": RSA key of " + std::to_string(k->bits) +
                       " bits; use 2048 or more";
    } else {
        if (type != EVP_PKEY_ED25519)
            throw ConfigError(keyPath + ".algorithm: ed25519-sha256 needs an Ed25519 key; " + cfg.key_file +
                              " holds another type");
        k->bits = 256;
    }
    k->pem = pem;
    // Normalise to a single PEM block that libopendkim's parser accepts.
    auto begin = pem.find("-----BEGIN ");
    if (begin != 0) k->pem = pem.substr(begin);
    return k;
}

KeyTable KeyTable::load(const std::vector<DkimKeyConfig>& keys, bool preparsed,
                        std::vector<std::string>* warnings) {
    KeyTable t;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::string keyPath = "milter.dkim.keys[" + std::to_string(i) + "]";
        for (std::size_t j = 0; j < i; ++j)
            if (lower(keys[j].domain) == lower(keys[i].domain) && keys[j].selector == keys[i].selector)
                throw ConfigError(keyPath + ": selector " + keys[i].selector + " of " + keys[i].domain +
                                  " is already milter.dkim.keys[" + std::to_string(j) + "]");
        std::string warning;
        auto k = parseDkimKey(keys[i], readKeyFile(keys[i].key_file, keyPath, warnings), keyPath,
                                 &warning);
        if (!warning.empty() && warnings) warnings->push_back(warning);
        if (preparsed) k->preparsed = std::make_unique<PreparsedKey>(k->pkey.get());
        t.byDomain_[k->domain].push_back(k.get());
        t.keys_.push_back(std::move(k));
    }
    return t;
}

std::vector<const DkimKey*> KeyTable::forDomain(const std::string& domain) const {
    auto it = byDomain_.find(domain);
    return it == byDomain_.end() ? std::vector<const DkimKey*>{} : it->second;
}

std::string dnsRecordName(const DkimKey& k) { return k.selector + "._domainkey." + k.domain; }

std::string dnsRecordValue(const DkimKey& k) {
    if (k.algorithm == DkimAlgorithm::ed25519Sha256) {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(k.pkey.get(), raw, &len) != 1 || len != sizeof raw)
            throw std::runtime_error(dnsRecordName(k) + ": cannot export the Ed25519 public key");
        return "v=DKIM1; k=ed25519; p=" + base64(raw, len);
    }
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(k.pkey.get(), &der);
    if (len <= 0) throw std::runtime_error(dnsRecordName(k) + ": cannot export the RSA public key");
    std::string out = "v=DKIM1; k=rsa; p=" + base64(der, static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

std::string dnsRecords(const KeyTable& t) {
    std::string out;
    for (const auto& k : t.all()) out += dnsRecordName(*k) + " " + dnsRecordValue(*k) + "\n";
    return out;
}

KeyChoice chooseKeys(const KeyTable& table, const std::optional<std::string>& fromDomain,
                     const std::string& authUser, const UserDomains& users, bool parentDomain) {
    KeyChoice c;
    if (!fromDomain) {
        c.reason = "no single From address";
        return c;
    }
    if (!authUser.empty()) {
        auto it = users.find(authUser);
        if (it == users.end()) {
            c.reason = "authenticated user not in milter.dkim.users";
            return c;
        }
        bool allowed = false;
        for (const auto& d : it->second) allowed = allowed || underDomain(*fromDomain, lower(d));
        if (!allowed) {
            c.reason = "From domain not mapped to the authenticated user";
            return c;
        }
    }
    std::string domain = *fromDomain;
    for (;;) {
        c.keys = table.forDomain(domain);
        if (!c.keys.empty()) {
            c.domain = domain;
            return c;
        }
        auto dot = domain.find('.');
        // Stop before a bare top-level domain.
        if (!parentDomain || dot == std::string::npos || domain.find('.', dot + 1) == std::string::npos)
            break;
        domain = domain.substr(dot + 1);
    }
    c.reason = "no key for the From domain";
    return c;
}

}  // namespace v2v::milter
