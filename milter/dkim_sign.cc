// DKIM signing through libopendkim (see dkim_sign.h).
#include "dkim_sign.h"

#include <cstring>
#include <stdexcept>

#include "dkim_lib.h"

namespace v2v::milter {
namespace {

u_char* uc(const std::string& s) { return reinterpret_cast<u_char*>(const_cast<char*>(s.c_str())); }

std::string signOne(const DkimLib& lib, const DkimKey& key, const std::vector<std::string>& lines,
                    std::string_view body, const std::string& jobId, Canonicalization canon) {
    DKIM_STAT st = DKIM_STAT_OK;
    DkimPtr d(dkim_sign(lib.get(), reinterpret_cast<const u_char*>(jobId.c_str()), nullptr,
                        reinterpret_cast<dkim_sigkey_t>(const_cast<char*>(key.secretForLibrary().c_str())),
                        reinterpret_cast<const u_char*>(key.selector.c_str()),
                        reinterpret_cast<const u_char*>(key.domain.c_str()),
                        canon.relaxedHeader ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
                        canon.relaxedBody ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
                        key.algorithm == DkimAlgorithm::ed25519Sha256 ? DKIM_SIGN_ED25519SHA256
                                                                       : DKIM_SIGN_RSASHA256,
                        -1, &st));
    std::string who = key.selector + "._domainkey." + key.domain;
    if (!d) throw DkimError(dkimStatusText(("dkim_sign " + who).c_str(), st, nullptr));
    for (const auto& line : lines) {
        st = dkim_header(d.get(), uc(line), line.size());
        // A malformed field name cannot be one of the signed names: leave it out.
        if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
            throw DkimError(dkimStatusText("dkim_header", st, d.get()));
    }
    if ((st = dkim_eoh(d.get())) != DKIM_STAT_OK) throw DkimError(dkimStatusText("dkim_eoh", st, d.get()));
    // dkim_body takes a non-const pointer but does not write through it.
    u_char* p = reinterpret_cast<u_char*>(const_cast<char*>(body.data()));
    if (!body.empty() && (st = dkim_body(d.get(), p, body.size())) != DKIM_STAT_OK)
        throw DkimError(dkimStatusText("dkim_body", st, d.get()));
    if ((st = dkim_eom(d.get(), nullptr)) != DKIM_STAT_OK)
        throw DkimError(dkimStatusText(("signing with " + who).c_str(), st, d.get()));
    u_char* out = nullptr;
    size_t len = 0;
    st = dkim_getsighdr_d(d.get(), std::strlen(DKIM_SIGNHEADER) + 2, &out, &len);
    if (st != DKIM_STAT_OK || out == nullptr) throw DkimError(dkimStatusText("dkim_getsighdr_d", st, d.get()));
    // libopendkim folds with CRLF; milter header values use a bare LF (the
    // MTA writes CRLF), so the transmitted bytes are the ones signed.
    std::string value;
    value.reserve(len);
    for (size_t i = 0; i < len; ++i)
        if (!(out[i] == '\r' && i + 1 < len && out[i + 1] == '\n')) value += static_cast<char>(out[i]);
    return value;
}

}  // namespace

Canonicalization parseCanonicalization(const std::string& text) {
    auto slash = text.find('/');
    if (slash == std::string::npos) throw std::invalid_argument("must be header/body");
    auto one = [](const std::string& s) {
        if (s == "relaxed") return true;
        if (s == "simple") return false;
        throw std::invalid_argument("must be relaxed or simple");
    };
    return {one(text.substr(0, slash)), one(text.substr(slash + 1))};
}

std::vector<std::string> signMessage(const DkimLib& lib, const std::vector<const DkimKey*>& keys,
                                     const HeaderList& headers, std::string_view body,
                                     const std::string& jobId, Canonicalization canon) {
    std::vector<std::string> lines;
    lines.reserve(headers.size());
    for (const auto& h : headers) lines.push_back(headerLine(h));
    std::vector<std::string> out;
    for (const auto* k : keys) out.push_back(signOne(lib, *k, lines, body, jobId, canon));
    return out;
}

}  // namespace v2v::milter
