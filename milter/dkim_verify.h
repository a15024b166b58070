// DKIM verification of an inbound message, streamed: headers at end of
// headers, body chunk by chunk, results at end of message. At most
// DkimLib::maxSignatures() signatures are checked; the others are ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth_results.h"
#include "dkim_lib.h"
#include "headers.h"

namespace v2v::milter {

// What libopendkim reports about one signature.
struct SigFacts {
    unsigned int flags = 0;  // DKIM_SIGFLAG_*
    int bh = DKIM_SIGBH_UNTESTED;
    int error = DKIM_SIGERROR_UNKNOWN;
};

// RFC 8601 result for a signature: pass | fail | neutral | policy | temperror | permerror.
std::string dkimResultFor(const SigFacts& f);

class DkimVerifier {
public:
    DkimVerifier(const DkimLib& lib, std::string jobId);
    // Feeds every header and ends the header block. Throws DkimError.
    void headers(const HeaderList& h);
    void body(std::string_view chunk);
    // One result per signature checked (empty: the message has none).
    std::vector<DkimResult> finish();

private:
    const DkimLib& lib_;
    std::string jobId_;  // libopendkim keeps a pointer to it
    DkimPtr d_;
    bool noSignatures_ = false;
    bool failed_ = false;
    std::string failure_;
};

}  // namespace v2v::milter
