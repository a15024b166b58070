// Shared reader helpers (see lhost_util.h).
#include "lhost_util.h"

namespace v2v::bounce {

std::string reasonFromPhrases(std::string_view text, const PhraseTable& table) {
    for (const auto& [reason, phrases] : table)
        if (containsAny(text, phrases)) return reason;
    return "";
}

DsnCollector readDsnLines(std::string_view text, const StartFn& start, bool skipStart, const OtherFn& other) {
    DsnCollector c;
    bool reading = false;
    std::string_view prev;
    for (std::string_view e : splitLines(text)) {
        if (!reading) {
            if (start(e)) {
                reading = true;
                if (skipStart) {
                    prev = e;
                    continue;
                }
            } else {
                prev = e;
                continue;
            }
        }
        if (e.empty()) {
            prev = e;
            continue;
        }
        if (!c.feed(e)) {
            if (other)
                other(e, prev, c);
            else
                c.continuation(e, prev);
        }
        prev = e;
    }
    return c;
}

std::optional<ReaderResult> finishDsn(DsnCollector& c, std::string rfc822, const PhraseTable& phrases,
                                      bool joinNewlines) {
    if (c.recipients() == 0) return std::nullopt;
    c.applyPerMessage();
    for (auto& e : c.ds()) {
        if (joinNewlines) e.diagnosis = joinLines(e.diagnosis);
        e.diagnosis = sweep(e.diagnosis);
        if (!phrases.empty()) {
            std::string r = reasonFromPhrases(e.diagnosis, phrases);
            if (!r.empty()) e.reason = r;
        }
    }
    return ReaderResult{std::move(c.ds()), std::move(rfc822)};
}

bool anyReceived(const Headers& h, std::string_view needle) {
    for (const auto& r : h.received())
        if (contains(r, needle)) return true;
    return false;
}

bool anyReceived(const Headers& h, const Regex& re) {
    for (const auto& r : h.received())
        if (re.test(r)) return true;
    return false;
}

StartFn startsWithAny(std::vector<std::string_view> markers) {
    return [markers = std::move(markers)](std::string_view line) {
        for (auto m : markers)
            if (startsWith(line, m)) return true;
        return false;
    };
}

StartFn matches(const Regex& re) {
    return [&re](std::string_view line) { return re.test(line); };
}

}  // namespace v2v::bounce
