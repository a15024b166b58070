// Key generation (see dkim_keygen.h).
#include "dkim_keygen.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace v2v::ctl {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};

std::string pemOf(EVP_PKEY* key) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw std::runtime_error("cannot encode the private key");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    std::string pem(data, static_cast<std::size_t>(n));
    return pem;
}

}  // namespace

void generateDkimKey(const std::string& algorithm, int bits, const std::string& path) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key;
    if (algorithm == "rsa-sha256") {
        if (bits < 1024 || bits > 8192) throw std::runtime_error("RSA keys must have 1024..8192 bits");
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
    } else if (algorithm == "ed25519-sha256") {
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    } else {
        throw std::runtime_error("unknown algorithm " + algorithm + " (rsa-sha256 or ed25519-sha256)");
    }
    if (!key) throw std::runtime_error("key generation failed");
    std::string pem = pemOf(key.get());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
    ::fchmod(fd, 0640);  // whatever the umask
    std::string dir = path.substr(0, path.rfind('/') + 1);
    struct stat st {};
    // The milter reads keys through the group of the key directory (e.g. v2v-milter).
    if (!dir.empty() && ::stat(dir.c_str(), &st) == 0 && ::fchown(fd, static_cast<uid_t>(-1), st.st_gid) != 0) {
        // Not the owner of that group: the file keeps the caller's group (reported by dkim list).
    }
    bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    OPENSSL_cleanse(pem.data(), pem.size());
    if (!ok) {
        ::unlink(path.c_str());
        throw std::runtime_error(path + ": cannot write the key");
    }
}

std::string zoneTxt(const std::string& value) {
    std::string out = "(";
    for (std::size_t i = 0; i < value.size(); i += 255) out += " \"" + value.substr(i, 255) + "\"";
    return out + " )";
}

}  // namespace v2v::ctl
