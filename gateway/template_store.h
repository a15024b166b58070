// SQLite side of stored templates (table `templates`, one row per version).
// Every save adds version MAX+1, so a (name, version) an email recorded never
// changes meaning; DELETE marks all versions deleted and a later save starts
// a new life of the name with the next number. Each write is its own
// transaction; reads see live (not deleted) versions only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db.h"
#include "template_render.h"

namespace v2v::gw {

// 1..128 of [A-Za-z0-9._-], starting with a letter or digit: safe in URL
// paths without encoding (no "." or ".." segments).
bool validTemplateName(const std::string& name);

struct StoredTemplate {
    std::string name;
    int version = 0;
    TemplateSource source;
    std::int64_t created_at = 0;  // of this version
};

// The latest live version, or `version` when given (if live).
std::optional<StoredTemplate> loadTemplate(Db& db, const std::string& clientId, const std::string& name,
                                           std::optional<int> version = std::nullopt);

struct SaveResult {
    int version = 0;
    bool created = false;  // the name had no live template before
};
// Adds a version. With `mustBeNew`, returns nullopt when a live template of
// that name exists (POST → 409) and saves nothing.
std::optional<SaveResult> saveTemplate(Db& db, const std::string& clientId, const std::string& name,
                                       const TemplateSource& t, bool mustBeNew, std::int64_t now);

// Marks every version deleted; false when there was no live template.
bool deleteTemplate(Db& db, const std::string& clientId, const std::string& name);

struct TemplateSummary {
    std::string name;
    int version = 0;  // latest
    std::string subject;
    std::int64_t updated_at = 0;  // when the latest version was saved
};
// Live templates by name, those after `after`, at most `limit`.
std::vector<TemplateSummary> listTemplates(Db& db, const std::string& clientId, const std::string& after, int limit);

}  // namespace v2v::gw
