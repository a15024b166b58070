// Correlation tags (DESIGN.md): per-recipient VERP return path
// "<prefix>+<id>-<n>@<bounce_domain>" and DSN ENVID "<id>-<n>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace v2v {

struct RecipientTag {
    std::string email_id;  // canonical ULID
    int index = 0;         // recipient index within the email
    bool operator==(const RecipientTag& o) const { return email_id == o.email_id && index == o.index; }
};

std::string verpAddress(const std::string& prefix, const RecipientTag& tag, const std::string& domain);
// Parses a return-path address; the domain must match (case-insensitively) when
// `domain` is non-empty. Accepts angle brackets around the address.
std::optional<RecipientTag> parseVerpAddress(std::string_view address, const std::string& prefix,
                                             const std::string& domain);

std::string envid(const RecipientTag& tag);
std::optional<RecipientTag> parseEnvid(std::string_view s);

}  // namespace v2v
