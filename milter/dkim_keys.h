// The DKIM key table: private keys loaded once (at start and on SIGHUP),
// checked (RSA below 1024 bits refused, below 2048 warned; the algorithm must
// match the key type), the DNS TXT record of each key, and the choice of keys
// for a message. Key material never reaches a log line or an error message.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "ossl.h"
#include "preparsed_keys.h"

namespace v2v::milter {

enum class DkimAlgorithm { rsaSha256, ed25519Sha256 };
const char* algorithmName(DkimAlgorithm a);

struct DkimKey {
    std::string domain;    // lower-case
    std::string selector;
    DkimAlgorithm algorithm = DkimAlgorithm::rsaSha256;
    int bits = 0;
    std::string file;
    std::string pem;  // secret: the text libopendkim parses when keys are not pre-parsed
    EvpPkeyPtr pkey;
    std::unique_ptr<PreparsedKey> preparsed;  // set when pre-parsed keys are in use

    // What to pass to dkim_sign() as the secret key.
    const std::string& secretForLibrary() const { return preparsed ? preparsed->token() : pem; }
};

// Parses one PEM private key; checks size and algorithm. Throws ConfigError
// whose text starts with `keyPath` (e.g. "milter.dkim.keys[1]: ...").
// `warning` receives a note for RSA keys under 2048 bits.
std::unique_ptr<DkimKey> parseDkimKey(const DkimKeyConfig& cfg, const std::string& pem,
                                            const std::string& keyPath, std::string* warning);

class KeyTable {
public:
    KeyTable() = default;
    // Reads every key file. Throws ConfigError naming milter.dkim.keys[i];
    // warnings (small keys, key files readable by others) are appended.
    static KeyTable load(const std::vector<DkimKeyConfig>& keys, bool preparsed,
                         std::vector<std::string>* warnings);

    // Keys of exactly this domain, in configuration order.
    std::vector<const DkimKey*> forDomain(const std::string& domain) const;
    const std::vector<std::unique_ptr<DkimKey>>& all() const { return keys_; }
    bool empty() const { return keys_.empty(); }

private:
    std::vector<std::unique_ptr<DkimKey>> keys_;
    std::map<std::string, std::vector<const DkimKey*>> byDomain_;
};

// "<selector>._domainkey.<domain>"
std::string dnsRecordName(const DkimKey& k);
// "v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>" or
// "v=DKIM1; k=ed25519; p=<base64 raw 32-byte key>" (RFC 8463).
std::string dnsRecordValue(const DkimKey& k);
// One "<name> <value>" line per key, the format of $V2V_DKIM_RECORDS.
std::string dnsRecords(const KeyTable& t);

// Authenticated users and the From domains signed for them.
using UserDomains = std::map<std::string, std::vector<std::string>>;

struct KeyChoice {
    std::vector<const DkimKey*> keys;  // empty = do not sign
    std::string domain;                   // the d= domain when keys is not empty
    std::string reason;                   // why nothing is signed
};

// The keys that sign a message whose From domain is `fromDomain` (nullopt =
// no usable From). `authUser` non-empty: the session is SASL-authenticated and
// only the user's mapped domains (and their subdomains) are signed.
KeyChoice chooseKeys(const KeyTable& table, const std::optional<std::string>& fromDomain,
                     const std::string& authUser, const UserDomains& users, bool parentDomain);

}  // namespace v2v::milter
