// Pre-parsed keys handed to libopendkim by token (see preparsed_keys.h).
#include "preparsed_keys.h"

#include <dlfcn.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include "ossl.h"

namespace v2v::milter {
namespace {

constexpr std::string_view kPrefix = "v2v-preparsed-key:";

struct Registry {
    std::shared_mutex mutex;
    std::map<std::string, EVP_PKEY*, std::less<>> keys;
};

Registry& registry() {
    static Registry r;
    return r;
}

std::atomic<unsigned long> g_hits{0};

using D2iFn = EVP_PKEY* (*)(BIO*, EVP_PKEY**);

D2iFn realD2i() {
    static D2iFn fn = [] {
        void* p = dlvsym(RTLD_NEXT, "d2i_PrivateKey_bio", "OPENSSL_3.0.0");
        if (p == nullptr) p = dlsym(RTLD_NEXT, "d2i_PrivateKey_bio");
        return reinterpret_cast<D2iFn>(p);
    }();
    return fn;
}

// The registered key for a token in a memory BIO, with a new reference; else null.
EVP_PKEY* lookup(BIO* bp) {
    if (bp == nullptr || BIO_method_type(bp) != BIO_TYPE_MEM) return nullptr;
    char* data = nullptr;
    long n = BIO_get_mem_data(bp, &data);
    if (n <= 0 || data == nullptr || static_cast<std::size_t>(n) <= kPrefix.size() ||
        std::memcmp(data, kPrefix.data(), kPrefix.size()) != 0)
        return nullptr;
    std::string_view token(data, static_cast<std::size_t>(n));
    Registry& r = registry();
    std::shared_lock lock(r.mutex);
    auto it = r.keys.find(token);
    if (it == r.keys.end() || EVP_PKEY_up_ref(it->second) != 1) return nullptr;
    ++g_hits;
    return it->second;
}

}  // namespace

PreparsedKey::PreparsedKey(EVP_PKEY* key) {
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1) throw std::runtime_error("RAND_bytes failed");
    static const char hex[] = "0123456789abcdef";
    token_ = std::string(kPrefix);
    for (unsigned char b : rnd) {
        token_ += hex[b >> 4];
        token_ += hex[b & 15];
    }
    if (EVP_PKEY_up_ref(key) != 1) throw std::runtime_error("EVP_PKEY_up_ref failed");
    Registry& r = registry();
    std::unique_lock lock(r.mutex);
    r.keys[token_] = key;
}

PreparsedKey::~PreparsedKey() {
    EVP_PKEY* key = nullptr;
    {
        Registry& r = registry();
        std::unique_lock lock(r.mutex);
        auto it = r.keys.find(token_);
        if (it != r.keys.end()) {
            key = it->second;
            r.keys.erase(it);
        }
    }
    EVP_PKEY_free(key);
}

unsigned long preparsedKeyHits() { return g_hits.load(); }

bool preparsedKeysSelfTest() {
    EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key) return false;
    PreparsedKey pk(key.get());
    DKIM_LIB* lib = dkim_init(nullptr, nullptr);
    if (lib == nullptr) return false;
    unsigned long before = preparsedKeyHits();
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM* d = dkim_sign(lib, reinterpret_cast<const unsigned char*>("selftest"), nullptr,
                        reinterpret_cast<dkim_sigkey_t>(const_cast<char*>(pk.token().c_str())),
                        reinterpret_cast<const unsigned char*>("s"),
                        reinterpret_cast<const unsigned char*>("selftest.invalid"), DKIM_CANON_RELAXED,
                        DKIM_CANON_RELAXED, DKIM_SIGN_ED25519SHA256, -1, &st);
    bool ok = d != nullptr;
    if (ok) {
        char hdr[] = "From: a@selftest.invalid";
        char body[] = "x\r\n";
        ok = dkim_header(d, reinterpret_cast<u_char*>(hdr), std::strlen(hdr)) == DKIM_STAT_OK &&
             dkim_eoh(d) == DKIM_STAT_OK &&
             dkim_body(d, reinterpret_cast<u_char*>(body), std::strlen(body)) == DKIM_STAT_OK &&
             dkim_eom(d, nullptr) == DKIM_STAT_OK;
        dkim_free(d);
    }
    dkim_close(lib);
    return ok && preparsedKeyHits() > before;
}

}  // namespace v2v::milter

// The override libopendkim binds to (see the file comment in preparsed_keys.h).
extern "C" EVP_PKEY* d2i_PrivateKey_bio(BIO* bp, EVP_PKEY** a) {
    if (EVP_PKEY* k = v2v::milter::lookup(bp)) {
        if (a != nullptr) {
            EVP_PKEY_free(*a);
            *a = k;
        }
        return k;
    }
    auto real = v2v::milter::realD2i();
    return real != nullptr ? real(bp, a) : nullptr;
}
