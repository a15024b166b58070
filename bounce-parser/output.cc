// JSON Lines output (see output.h). Invalid UTF-8 in report text is replaced
// by U+FFFD so the line is always valid JSON.
#include "output.h"

namespace v2v::bounce {

nlohmann::ordered_json recordJson(const BounceRecord& r) {
    nlohmann::ordered_json j;
    j["recipient"] = r.recipient;
    j["status"] = r.status;
    j["action"] = r.action;
    j["reason"] = r.reason;
    j["hard"] = r.hard ? nlohmann::ordered_json(*r.hard) : nlohmann::ordered_json(nullptr);
    j["smtp_code"] = r.smtpCode ? nlohmann::ordered_json(*r.smtpCode) : nlohmann::ordered_json(nullptr);
    j["diagnostic"] = r.diagnostic;
    return j;
}

std::string recordJsonLine(const BounceRecord& r, const std::optional<std::string>& emailId) {
    nlohmann::ordered_json j = recordJson(r);
    j["email_id"] = emailId ? nlohmann::ordered_json(*emailId) : nlohmann::ordered_json(nullptr);
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace v2v::bounce
