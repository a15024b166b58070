// Pre-parsed private keys for libopendkim.
//
// libopendkim 2.11 takes the private key as text in dkim_sign() and parses it
// for every message (dkim_privkey_load: PEM_read_bio_PrivateKey, or
// d2i_PrivateKey_bio for non-PEM text). With OpenSSL 3 that parse costs more
// than the RSA signature itself. The library has no call to pass a parsed
// EVP_PKEY, so this file defines d2i_PrivateKey_bio in the program: the
// dynamic linker binds libopendkim's call to it. A registered key is handed
// to libopendkim as a token ("v2v-preparsed-key:<32 hex>", never valid DER);
// the override returns the parsed key for a known token and passes every other
// input to OpenSSL's own function. selfTest() proves at start that the
// binding is in effect; without it the milter hands libopendkim the PEM text.
#pragma once

#include <openssl/evp.h>

#include <string>

namespace v2v::milter {

class PreparsedKey {
public:
    // Registers `key` (takes a reference of its own). Throws std::runtime_error.
    explicit PreparsedKey(EVP_PKEY* key);
    ~PreparsedKey();
    PreparsedKey(const PreparsedKey&) = delete;
    PreparsedKey& operator=(const PreparsedKey&) = delete;

    // The text to give dkim_sign() as the secret key.
    const std::string& token() const { return token_; }

private:
    std::string token_;
};

// Signs a small message through libopendkim with a fresh Ed25519 key handed
// over as a token; true when the override was used and the signature made.
bool preparsedKeysSelfTest();

// How many times libopendkim received a pre-parsed key (for tests and logs).
unsigned long preparsedKeyHits();

}  // namespace v2v::milter
