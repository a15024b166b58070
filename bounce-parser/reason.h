// Bounce reason classification in the Sisimai taxonomy: general rules on the
// status code, the SMTP reply code, the command, and the wording of the
// diagnostic (phrase tables per reason, Sisimai 4.25, BSD-2-Clause).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace v2v::bounce {

// The facts a reason rule looks at (after the report was read).
struct Facts {
    std::string reason;      // reason proposed by the reader, may be ""
    std::string status;      // enhanced status code
    std::string diagnostic;  // diagnostic text as written
    std::string command;     // SMTP command (RCPT, MAIL, DATA, HELO, EHLO, ...)
    std::string replycode;   // SMTP reply code
    std::string spec;        // diagnostic type (SMTP, X-UNIX, ...)
    std::string action;      // DSN action
    std::string rhost;       // remote MTA host name
    std::string destination; // domain of the recipient
};

// Reasons a reader may propose that are re-examined by the general rules.
bool isRetryReason(std::string_view reason);
// The final reason for a failed/delayed/delivered record.
std::string decideReason(const Facts& f);

// Wording rules, one per reason; `lowerText` must be lower-cased.
bool matchReason(std::string_view reason, std::string_view lowerText);
// All wording rules at once (one pass): a bit set per matching rule; test
// a reason with ruleMatched().
std::uint64_t reasonRuleBits(std::string_view lowerText);
bool ruleMatched(std::uint64_t bits, std::string_view reason);

// Remote-host specific tables (Google, Microsoft, Cox, ...): a reason or "".
std::string remoteHostReason(const Facts& f);

}  // namespace v2v::bounce
