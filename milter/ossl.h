// RAII holders for the OpenSSL handles the milter uses.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>

namespace v2v::milter {

struct EvpPkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

}  // namespace v2v::milter
