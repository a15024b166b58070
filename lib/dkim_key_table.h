// The DKIM key table file (milter.dkim.key_table) that `v2vctl dkim` manages
// and v2v-milter reads next to milter.dkim.keys. One key per line:
//   DOMAIN SELECTOR ALGORITHM KEY_FILE [RETIRE_AFTER]
// ALGORITHM is rsa-sha256 or ed25519-sha256; RETIRE_AFTER (YYYY-MM-DD, UTC)
// is the last day the key signs — key rotation keeps the old selector signing
// next to the new one until then. '#' starts a comment; paths hold no spaces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config.h"

namespace v2v {

struct KeyTableEntry {
    std::string domain;
    std::string selector;
    std::string algorithm = "rsa-sha256";
    std::string key_file;
    std::string retire_after;  // "" = no end
};

// Throws ConfigError "milter.dkim.key_table: FILE:LINE: ..." for a bad line or
// a selector listed twice for a domain.
std::vector<KeyTableEntry> parseKeyTable(const std::string& text, const std::string& file);
std::string formatKeyTable(const std::vector<KeyTableEntry>& entries);

// A missing file is an empty table; an unreadable one throws ConfigError.
std::vector<KeyTableEntry> loadKeyTable(const std::string& path);
// Replaces the file atomically (temporary file + rename), mode 0640.
void saveKeyTable(const std::string& path, const std::vector<KeyTableEntry>& entries);

// True while the key signs: no retire date, or `today` (YYYY-MM-DD) not after it.
bool keyActive(const KeyTableEntry& e, const std::string& today);
// True for a real calendar date written YYYY-MM-DD.
bool validDay(const std::string& day);
// The day `days` after `day` (YYYY-MM-DD, UTC).
std::string addDays(const std::string& day, int days);

// milter.dkim.keys followed by the key table's keys still active at `now`.
std::vector<DkimKeyConfig> signingKeys(const MilterDkimConfig& dkim, std::int64_t now);

}  // namespace v2v
