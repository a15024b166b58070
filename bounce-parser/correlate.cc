// Correlation candidates (see correlate.h).
#include "correlate.h"

#include "ids.h"
#include "text.h"
#include "verp.h"

namespace v2v::bounce {

std::vector<Candidate> correlationCandidates(const std::string& pipeRecipient, const ReportHints& hints,
                                             const VerpKeys& keys) {
    std::vector<Candidate> out;
    auto add = [&](const std::string& id, std::optional<int> idx, const char* source) {
        for (const auto& c : out)
            if (c.emailId == id && c.index == idx) return;
        out.push_back({id, idx, source});
    };
    if (auto t = parseVerpAddress(pipeRecipient, keys.prefix, keys.domain)) add(t->email_id, t->index, "verp");
    if (auto t = parseEnvid(hints.envid)) add(t->email_id, t->index, "envid");
    for (const auto& rp : hints.returnPaths)
        if (auto t = parseVerpAddress(rp, keys.prefix, keys.domain)) add(t->email_id, t->index, "return-path");
    for (const auto& mid : hints.messageIds) {
        auto at = mid.find('@');
        if (at == std::string::npos) continue;
        if (auto id = normalizeUlid(std::string_view(mid).substr(0, at))) add(*id, std::nullopt, "message-id");
    }
    for (const auto& v : hints.internalIds) {
        if (auto t = parseEnvid(v))
            add(t->email_id, t->index, "header");
        else if (auto id = normalizeUlid(v))
            add(*id, std::nullopt, "header");
    }
    return out;
}

}  // namespace v2v::bounce
