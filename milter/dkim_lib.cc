// libopendkim library handle setup (see dkim_lib.h).
#include "dkim_lib.h"

namespace v2v::milter {
namespace {

// Signatures after the first N are marked ignored before any key is fetched.
DKIM_CBSTAT prescreen(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs) {
    const auto* lib = static_cast<const DkimLib*>(dkim_get_user_context(dkim));
    int max = lib ? lib->maxSignatures() : 5;
    for (int i = max; i < nsigs; ++i) dkim_sig_ignore(sigs[i]);
    return DKIM_CBSTAT_CONTINUE;
}

void setopt(DKIM_LIB* lib, int opt, void* ptr, std::size_t len, const char* what) {
    if (dkim_options(lib, DKIM_OP_SETOPT, opt, ptr, len) != DKIM_STAT_OK)
        throw DkimError(std::string("libopendkim rejected option ") + what);
}

}  // namespace

DkimLib::DkimLib(const DkimLibOptions& opts) : maxSignatures_(opts.maxSignatures), testKeysFile_(opts.testKeysFile) {
    lib_ = dkim_init(nullptr, nullptr);
    if (lib_ == nullptr) throw DkimError("dkim_init failed");
    try {
        names_ = opts.signedHeaders;
        names_.insert(names_.end(), opts.oversignedHeaders.begin(), opts.oversignedHeaders.end());
        for (std::size_t i = 0; i < opts.signedHeaders.size(); ++i) signPtrs_.push_back(names_[i].c_str());
        for (std::size_t i = opts.signedHeaders.size(); i < names_.size(); ++i)
            overPtrs_.push_back(names_[i].c_str());
        signPtrs_.push_back(nullptr);
        overPtrs_.push_back(nullptr);
        // libopendkim takes the array itself with len = sizeof(char**).
        setopt(lib_, DKIM_OPTS_SIGNHDRS, signPtrs_.data(), sizeof(char**), "signed headers");
        setopt(lib_, DKIM_OPTS_OVERSIGNHDRS, overPtrs_.data(), sizeof(char**), "oversigned headers");
        unsigned int timeout = static_cast<unsigned int>(opts.dnsTimeoutSeconds);
        setopt(lib_, DKIM_OPTS_TIMEOUT, &timeout, sizeof timeout, "timeout");
        unsigned int minBits = 1024;  // RFC 8301: shorter RSA keys are not valid
        setopt(lib_, DKIM_OPTS_MINKEYBITS, &minBits, sizeof minBits, "minimum key bits");
        if (!testKeysFile_.empty()) {
            dkim_query_t method = DKIM_QUERY_FILE;
            setopt(lib_, DKIM_OPTS_QUERYMETHOD, &method, sizeof method, "query method");
            setopt(lib_, DKIM_OPTS_QUERYINFO, const_cast<char*>(testKeysFile_.c_str()),
                   testKeysFile_.size(), "test key file");
        }
        if (dkim_set_prescreen(lib_, prescreen) != DKIM_STAT_OK) throw DkimError("dkim_set_prescreen failed");
    } catch (...) {
        dkim_close(lib_);
        throw;
    }
}

DkimLib::~DkimLib() { dkim_close(lib_); }

std::string dkimStatusText(const char* what, DKIM_STAT st, DKIM* d) {
    std::string out = std::string(what) + ": " + dkim_getresultstr(st);
    if (d != nullptr) {
        const char* e = dkim_geterror(d);
        if (e != nullptr && *e) out += ": " + std::string(e);
    }
    return out;
}

}  // namespace v2v::milter
