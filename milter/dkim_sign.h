// DKIM signing of one message with every chosen key (one libopendkim handle
// per key), over the headers and body exactly as they will be transmitted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dkim_keys.h"
#include "headers.h"

namespace v2v::milter {

class DkimLib;

struct Canonicalization {
    bool relaxedHeader = true;
    bool relaxedBody = true;
};
// "relaxed/simple" etc.; throws std::invalid_argument for anything else.
Canonicalization parseCanonicalization(const std::string& text);

// Returns one DKIM-Signature value per key (without the field name, folded
// with "\n\t"), in key order. `body` is in SMTP form (CRLF lines). Headers
// libopendkim refuses as malformed are left unsigned. Throws DkimError.
std::vector<std::string> signMessage(const DkimLib& lib, const std::vector<const DkimKey*>& keys,
                                     const HeaderList& headers, std::string_view body,
                                     const std::string& jobId, Canonicalization canon);

}  // namespace v2v::milter
