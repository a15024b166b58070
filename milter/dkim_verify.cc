// DKIM verification through libopendkim (see dkim_verify.h).
#include "dkim_verify.h"

namespace v2v::milter {

std::string dkimResultFor(const SigFacts& f) {
    if ((f.flags & DKIM_SIGFLAG_PASSED) && f.bh == DKIM_SIGBH_MATCH &&
        (f.error == DKIM_SIGERROR_OK || f.error == DKIM_SIGERROR_UNKNOWN))
        return "pass";
    switch (f.error) {
        case DKIM_SIGERROR_BADSIG:
            return "fail";
        case DKIM_SIGERROR_KEYFAIL:
            return "temperror";
        case DKIM_SIGERROR_EXPIRED:
        case DKIM_SIGERROR_FUTURE:
        case DKIM_SIGERROR_KEYTOOSMALL:
        case DKIM_SIGERROR_MBSFAILED:
        case DKIM_SIGERROR_SUBDOMAIN:
        case DKIM_SIGERROR_TOOLARGE_L:
            return "policy";
        case DKIM_SIGERROR_NOKEY:
        case DKIM_SIGERROR_DNSSYNTAX:
        case DKIM_SIGERROR_MULTIREPLY:
        case DKIM_SIGERROR_KEYVERSION:
        case DKIM_SIGERROR_KEYUNKNOWNHASH:
        case DKIM_SIGERROR_KEYHASHMISMATCH:
        case DKIM_SIGERROR_NOTEMAILKEY:
        case DKIM_SIGERROR_KEYTYPEMISSING:
        case DKIM_SIGERROR_KEYTYPEUNKNOWN:
        case DKIM_SIGERROR_KEYREVOKED:
        case DKIM_SIGERROR_KEYDECODE:
            return "permerror";
        default:
            break;
    }
    if (f.bh == DKIM_SIGBH_MISMATCH) return "fail";
    // Signature syntax errors and signatures that could not be processed.
    return "neutral";
}

DkimVerifier::DkimVerifier(const DkimLib& lib, std::string jobId) : lib_(lib), jobId_(std::move(jobId)) {
    DKIM_STAT st = DKIM_STAT_OK;
    d_.reset(dkim_verify(lib_.get(), reinterpret_cast<const u_char*>(jobId_.c_str()), nullptr, &st));
    if (!d_) throw DkimError(dkimStatusText("dkim_verify", st, nullptr));
    dkim_set_user_context(d_.get(), const_cast<DkimLib*>(&lib_));
}

void DkimVerifier::headers(const HeaderList& h) {
    for (const auto& f : h) {
        std::string line = headerLine(f);
        DKIM_STAT st = dkim_header(d_.get(), reinterpret_cast<u_char*>(line.data()), line.size());
        // A malformed header is not fatal: signatures over it simply fail.
        if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
            throw DkimError(dkimStatusText("dkim_header", st, d_.get()));
    }
    DKIM_STAT st = dkim_eoh(d_.get());
    if (st == DKIM_STAT_NOSIG) {
        noSignatures_ = true;
    } else if (st != DKIM_STAT_OK) {
        // Every signature unusable (syntax, ...): the per-signature errors say why.
        failed_ = true;
        failure_ = dkimStatusText("dkim_eoh", st, d_.get());
    }
}

void DkimVerifier::body(std::string_view chunk) {
    if (noSignatures_ || failed_ || chunk.empty()) return;
    DKIM_STAT st = dkim_body(d_.get(), reinterpret_cast<u_char*>(const_cast<char*>(chunk.data())), chunk.size());
    if (st != DKIM_STAT_OK) {
        failed_ = true;
        failure_ = dkimStatusText("dkim_body", st, d_.get());
    }
}

std::vector<DkimResult> DkimVerifier::finish() {
    std::vector<DkimResult> out;
    if (noSignatures_) return out;
    if (!failed_) {
        bool testKey = false;
        (void)dkim_eom(d_.get(), &testKey);  // per-signature outcomes are read below
    }
    DKIM_SIGINFO** sigs = nullptr;
    int n = 0;
    if (dkim_getsiglist(d_.get(), &sigs, &n) != DKIM_STAT_OK || sigs == nullptr) {
        if (failed_) out.push_back({"temperror", "", "", "", "", failure_});
        return out;
    }
    for (int i = 0; i < n; ++i) {
        DKIM_SIGINFO* s = sigs[i];
        SigFacts f{dkim_sig_getflags(s), dkim_sig_getbh(s), dkim_sig_geterror(s)};
        if (f.flags & DKIM_SIGFLAG_IGNORE) continue;
        DkimResult r;
        r.result = dkimResultFor(f);
        if (const u_char* dom = dkim_sig_getdomain(s)) r.domain = reinterpret_cast<const char*>(dom);
        if (const u_char* sel = dkim_sig_getselector(s)) r.selector = reinterpret_cast<const char*>(sel);
        if (const u_char* alg = dkim_sig_getalgorithm(s)) r.algorithm = reinterpret_cast<const char*>(alg);
        char b[64] = "";
        size_t blen = sizeof b - 1;
        if (dkim_get_sigsubstring(d_.get(), s, b, &blen) == DKIM_STAT_OK) r.bPrefix.assign(b, blen);
        if (r.bPrefix.size() < 8) {
            if (const u_char* full = dkim_sig_gettagvalue(s, false, reinterpret_cast<u_char*>(const_cast<char*>("b"))))
                r.bPrefix = std::string(reinterpret_cast<const char*>(full)).substr(0, 8);
        }
        if (r.result != "pass") {
            if (f.error == DKIM_SIGERROR_UNKNOWN && f.bh == DKIM_SIGBH_MISMATCH) r.reason = "body hash mismatch";
            else if (const char* e = dkim_sig_geterrorstr(f.error)) r.reason = e;
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace v2v::milter
