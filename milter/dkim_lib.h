// RAII around libopendkim's library handle, configured once per runtime for
// signing (header lists) and verification (DNS timeout, test key file).
// Include this header only where libopendkim is used: dkim.h needs
// <stdbool.h> first in C++.
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace v2v::milter {

class DkimError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct DkimFree {
    void operator()(DKIM* d) const { dkim_free(d); }
};
using DkimPtr = std::unique_ptr<DKIM, DkimFree>;

struct DkimLibOptions {
    std::vector<std::string> signedHeaders;     // must include From
    std::vector<std::string> oversignedHeaders;
    int dnsTimeoutSeconds = 5;
    std::string testKeysFile;  // non-empty: keys from this file instead of DNS
    int maxSignatures = 5;     // verification: the rest are ignored
};

class DkimLib {
public:
    explicit DkimLib(const DkimLibOptions& opts);  // throws DkimError
    ~DkimLib();
    DkimLib(const DkimLib&) = delete;
    DkimLib& operator=(const DkimLib&) = delete;

    DKIM_LIB* get() const { return lib_; }
    int maxSignatures() const { return maxSignatures_; }

private:
    DKIM_LIB* lib_ = nullptr;
    int maxSignatures_;
    std::string testKeysFile_;
    std::vector<std::string> names_;
    std::vector<const char*> signPtrs_, overPtrs_;
};

// "dkim_xxx: <libopendkim's text>" for an error status of handle `d` (may be null).
std::string dkimStatusText(const char* what, DKIM_STAT st, DKIM* d);

}  // namespace v2v::milter
