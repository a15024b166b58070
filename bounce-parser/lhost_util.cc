// Shared reader helpers (see lhost_util.h).
#include "lhost_util.h"

#include "report_address.h"

namespace v2v::bounce {

std::string reasonFromPhrases(std::string_view text, const PhraseTable& table) {
    for (const auto& [reason, phrases] : table)
        if (containsAny(text, phrases)) return reason;
    return "";
}

DsnCollector readDsnLines(std::string_view text, const StartFn& start, bool skipStart, const OtherFn& other) {
    DsnCollector c;
    forEachLineWithPrev(
        text, start,
        [&](std::string_view e, std::string_view prev) {
            if (c.feed(e)) return;
            if (other)
                other(e, prev, c);
            else
                c.continuation(e, prev);
        },
        !skipStart);
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

void forEachLineAfter(std::string_view text, const StartFn& start, const std::function<void(std::string_view)>& f,
                      bool withStart) {
    forEachLineWithPrev(
        text, start, [&](std::string_view e, std::string_view) { f(e); }, withStart);
}

void forEachLineWithPrev(std::string_view text, const StartFn& start,
                         const std::function<void(std::string_view line, std::string_view prev)>& f, bool withStart) {
    bool reading = false;
    std::string_view prev;
    for (std::string_view e : splitLines(text)) {
        if (!reading) {
            reading = start(e);
            if (!reading || !withStart) {
                prev = e;
                continue;
            }
        }
        if (!e.empty()) f(e, prev);
        prev = e;
    }
}

void addIfEmailAddress(DsnCollector& c, std::string_view text) {
    std::string r = firstAddress(text);
    if (isEmailAddress(r)) c.addRecipient(std::move(r));
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
