// SQLite statements for templates (see template_store.h).
#include "template_store.h"

#include <algorithm>
#include <cctype>

namespace v2v::gw {

bool validTemplateName(const std::string& name) {
    return !name.empty() && name.size() <= 128 && std::isalnum(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
           });
}

std::optional<StoredTemplate> loadTemplate(Db& db, const std::string& clientId, const std::string& name,
                                           std::optional<int> version) {
    Stmt s = db.prepare(
        "SELECT version, subject, text, html, created_at FROM templates WHERE client_id = ? AND name = ? "
        "AND deleted = 0 AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1");
    s.bind(1, clientId).bind(2, name).bind(3, version).bind(4, version);
    if (!s.step()) return std::nullopt;
    StoredTemplate t;
    t.name = name;
    t.version = static_cast<int>(s.getInt(0));
    t.source.subject = s.getText(1);
    t.source.text = s.getOptText(2);
    t.source.html = s.getOptText(3);
    t.created_at = s.getInt(4);
    return t;
}

std::optional<SaveResult> saveTemplate(Db& db, const std::string& clientId, const std::string& name,
                                       const TemplateSource& t, bool mustBeNew, std::int64_t now) {
    Transaction tx(db);
    Stmt q = db.prepare(
        "SELECT MAX(version), (SELECT deleted FROM templates WHERE client_id = ?1 AND name = ?2 "
        "ORDER BY version DESC LIMIT 1) FROM templates WHERE client_id = ?1 AND name = ?2");
    q.bind(1, clientId).bind(2, name);
    q.step();
    const int latest = q.isNull(0) ? 0 : static_cast<int>(q.getInt(0));
    const bool live = latest > 0 && q.getInt(1) == 0;
    if (live && mustBeNew) return std::nullopt;
    SaveResult r{latest + 1, !live};
    db.prepare(
          "INSERT INTO templates(client_id, name, version, subject, text, html, deleted, created_at) "
          "VALUES (?,?,?,?,?,?,0,?)")
        .bind(1, clientId).bind(2, name).bind(3, r.version).bind(4, t.subject).bind(5, t.text).bind(6, t.html)
        .bind(7, now)
        .exec();
    tx.commit();
    return r;
}

bool deleteTemplate(Db& db, const std::string& clientId, const std::string& name) {
    db.prepare("UPDATE templates SET deleted = 1 WHERE client_id = ? AND name = ? AND deleted = 0")
        .bind(1, clientId).bind(2, name).exec();
    return db.changes() > 0;
}

std::vector<TemplateSummary> listTemplates(Db& db, const std::string& clientId, const std::string& after,
                                           int limit) {
    Stmt s = db.prepare(
        "SELECT t.name, t.version, t.subject, t.created_at FROM templates t WHERE t.client_id = ?1 "
        "AND t.deleted = 0 AND t.name > ?2 AND t.version = (SELECT MAX(u.version) FROM templates u "
        "WHERE u.client_id = ?1 AND u.name = t.name) ORDER BY t.name LIMIT ?3");
    s.bind(1, clientId).bind(2, after).bind(3, limit);
    std::vector<TemplateSummary> out;
    while (s.step())
        out.push_back({s.getText(0), static_cast<int>(s.getInt(1)), s.getText(2), s.getInt(3)});
    return out;
}

}  // namespace v2v::gw
