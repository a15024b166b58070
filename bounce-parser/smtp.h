// SMTP status codes (RFC 3463 enhanced codes and RFC 5321 reply codes): finding
// them in text, their standard meaning as a bounce reason, the pseudo codes for
// reasons without a code, and soft/hard classification. Tables follow Sisimai
// 4.25 (BSD-2-Clause) so results agree with the reference parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace v2v::bounce {

// First enhanced status code ("5.1.1", "4.7.26") in `text`, or "".
std::string findStatus(std::string_view text);
// First SMTP reply code (2xx-5xx; IPv4 octets ignored), or "".
std::string findReplyCode(std::string_view text);
// Bounce reason a standard status code stands for, or "".
std::string statusReason(std::string_view status);
// Pseudo status code for a reason ("5.0.911"); `temporary` picks the 4.0.9xx form.
std::string pseudoStatus(std::string_view reason, bool temporary);
// true = permanent, false = temporary, nullopt = cannot tell (or success).
std::optional<bool> isPermanent(std::string_view text);
// "hard", "soft" or "" (not a bounce) for a reason, given a code-bearing text.
std::string softOrHard(std::string_view reason, std::string_view codeText);

}  // namespace v2v::bounce
