// Helpers shared by the MTA-specific readers: the DSN-field reading loop,
// phrase tables that map error wording to a reason, and header tests.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dsn.h"
#include "lhost.h"
#include "pattern.h"
#include "text.h"

namespace v2v::bounce {

// reason -> phrases; the first reason with a phrase contained in the text wins.
using PhraseTable = std::vector<std::pair<const char*, std::vector<std::string_view>>>;
std::string reasonFromPhrases(std::string_view text, const PhraseTable& table);

using StartFn = std::function<bool(std::string_view line)>;
using OtherFn = std::function<void(std::string_view line, std::string_view prev, DsnCollector& c)>;

// Reads DSN fields from the lines after the first line where `start` holds
// (that line itself is skipped when `skipStart`). Empty lines are skipped;
// lines that are not DSN fields go to `other` (default: folded Diagnostic-Code).
DsnCollector readDsnLines(std::string_view text, const StartFn& start, bool skipStart = true,
                          const OtherFn& other = nullptr);

// The usual ending of a DSN-based reader: per-message defaults, swept
// diagnostics, and a reason from the phrase table.
std::optional<ReaderResult> finishDsn(DsnCollector& c, std::string rfc822, const PhraseTable& phrases = {},
                                      bool joinNewlines = false);

// Calls f(line) for each non-empty line after the first line where `start`
// holds; that line itself too when `withStart`.
void forEachLineAfter(std::string_view text, const StartFn& start, const std::function<void(std::string_view)>& f,
                      bool withStart = false);

// The same, and f also gets the line before (which may be empty).
void forEachLineWithPrev(std::string_view text, const StartFn& start,
                         const std::function<void(std::string_view line, std::string_view prev)>& f,
                         bool withStart = false);

// Starts a record for the first address in `text` when it is an e-mail address.
void addIfEmailAddress(DsnCollector& c, std::string_view text);

// Exim's reason for a diagnostic text ("" when no phrase matches); also
// used for the Exim-based MXLogic.
std::string eximReason(std::string_view diagnosis);

bool anyReceived(const Headers& h, std::string_view needle);
bool anyReceived(const Headers& h, const Regex& re);
StartFn startsWithAny(std::vector<std::string_view> markers);
// The first line of an Exim-style error text, shared by several providers.
inline constexpr std::string_view kEximPreamble = "This message was created automatically by mail delivery software";
StartFn matches(const Regex& re);

}  // namespace v2v::bounce
