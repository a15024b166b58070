// libFuzzer target for the bounce parser (not part of the normal build; see
// bench/bounce/fuzz): every input goes through mbox splitting, MIME reading,
// every report reader, classification, correlation and the JSON output.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "correlate.h"
#include "mime.h"
#include "output.h"
#include "parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    for (std::string_view message : v2v::bounce::splitMbox(in)) {
        v2v::bounce::ParsedReport p = v2v::bounce::parseReport(message);
        auto candidates = v2v::bounce::correlationCandidates("bounce+x@b.test", p.hints, {});
        std::optional<std::string> id;
        if (!candidates.empty()) id = candidates.front().emailId;
        for (const auto& r : p.records) {
            std::string line = v2v::bounce::recordJsonLine(r, id);
            if (line.empty() || line.back() != '\n') __builtin_trap();
        }
    }
    return 0;
}
