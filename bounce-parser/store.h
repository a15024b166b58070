// Recording a parsed report in SQLite, in one transaction: a bounces row per
// recipient (raw report capped; the SHA-256 digest makes a repeated delivery
// of the same report record once), the recipient's status, an event, the
// analytics counters, suppressions for hard bounces and complaints, and the
// email's aggregate status. Uses the shared record rules of lib/records.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "correlate.h"
#include "db.h"
#include "parser.h"

namespace v2v::bounce {

struct StoreOptions {
    std::size_t rawCapBytes = 64 * 1024;
    std::int64_t now = 0;  // Unix seconds of the recording
};

struct StoreResult {
    int recorded = 0;      // bounces rows inserted
    int duplicates = 0;    // rows already present (same report delivered again)
    std::string emailId;   // correlated email ("" when uncorrelated)
};

// Throws DbError (the caller maps transient ones to EX_TEMPFAIL).
StoreResult storeReport(Db& db, std::string_view raw, const ParsedReport& report,
                        const std::vector<Candidate>& candidates, const StoreOptions& options);

// Lower-case hex SHA-256 of the report.
std::string reportDigest(std::string_view raw);

}  // namespace v2v::bounce
