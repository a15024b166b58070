// One-click unsubscribe (see unsubscribe.h).
#include "unsubscribe.h"

#include <nlohmann/json.hpp>

#include "records.h"

namespace v2v::gw {
namespace {

// A page: one column, system fonts, large targets, visible focus, high contrast.
std::string page(const std::string& title, const std::string& main) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"robots\" content=\"noindex\">\n<title>" +
           htmlEscape(title) +
           "</title>\n<style>\n"
           "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;margin:0;color:#1a1a1a;"
           "background:#f6f6f6;line-height:1.5}\n"
           "main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;"
           "border:1px solid #d0d0d0}\n"
           "h1{font-size:1.5rem;margin-top:0}\n"
           "button{font:inherit;font-size:1.1rem;padding:.75rem 1.5rem;min-height:44px;color:#fff;"
           "background:#0b57d0;border:0;border-radius:6px;cursor:pointer}\n"
           "button:hover{background:#0842a0}\n"
           "button:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}\n"
           ".address{font-weight:600;word-break:break-all}\n"
           "</style>\n</head>\n<body>\n<main>\n" +
           main + "</main>\n</body>\n</html>\n";
}

}  // namespace

std::string htmlEscape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

std::optional<UnsubscribeTarget> findUnsubscribeTarget(Db& db, const TrackingTarget& t) {
    if (t.kind != TokenKind::unsubscribe || t.email_id.empty() || t.recipient < 0) return std::nullopt;
    auto q = db.query(
        "SELECT e.client_id, e.from_address, r.address FROM emails e JOIN recipients r "
        "ON r.email_id = e.id AND r.idx = ? WHERE e.id = ?");
    q->bind(1, t.recipient).bind(2, t.email_id);
    if (!q->step()) return std::nullopt;
    return UnsubscribeTarget{t.email_id, t.recipient, q->getText(0), q->getText(2), q->getText(1)};
}

bool unsubscribe(Db& db, const UnsubscribeTarget& t, const std::string& ip, const std::string& userAgent,
                 const std::string& via, std::int64_t now) {
    Transaction tx(db);
    addSuppression(db, t.client_id, t.address, "unsubscribed", t.email_id, now);
    bool first;
    {
        auto q = db.query("SELECT 1 FROM events WHERE email_id = ? AND recipient_idx = ? AND type = 'unsubscribed'");
        q->bind(1, t.email_id).bind(2, t.recipient);
        first = !q->step();
    }
    if (first) {
        nlohmann::json data = {{"ip", ip}, {"user_agent", userAgent.substr(0, 512)}, {"via", via}};
        addEvent(db, t.email_id, t.recipient, t.client_id, "unsubscribed", now,
                 data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        auto email = findEmail(db, t.email_id);
        bumpAnalytics(db, t.client_id, email ? email->tags : std::vector<std::string>{}, "unsubscribed", now);
    }
    tx.commit();
    return first;
}

std::string unsubscribeConfirmPage(const UnsubscribeTarget& t) {
    return page("Unsubscribe",
                "<h1>Unsubscribe</h1>\n"
                "<p>Stop mail from <strong>" + htmlEscape(t.from_address) + "</strong> to <span class=\"address\">" +
                    htmlEscape(t.address) + "</span>?</p>\n"
                    "<form method=\"post\">\n"
                    "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                    "<button type=\"submit\" id=\"unsubscribe\">Unsubscribe</button>\n"
                    "</form>\n");
}

std::string unsubscribeDonePage(const UnsubscribeTarget& t) {
    return page("Unsubscribed",
                "<h1 id=\"done\">You are unsubscribed</h1>\n"
                "<p role=\"status\"><span class=\"address\">" + htmlEscape(t.address) +
                    "</span> will no longer get mail from <strong>" + htmlEscape(t.from_address) +
                    "</strong>.</p>\n");
}

std::string unsubscribeGonePage() {
    return page("Link expired", "<h1>This link has expired</h1>\n<p>The message it came from is no longer "
                                "known here. Reply to the sender to stop their mail.</p>\n");
}

std::string unsubscribeInvalidPage() {
    return page("Invalid link", "<h1>This unsubscribe link is not valid</h1>\n<p>Check that the whole link "
                                "was copied from the message.</p>\n");
}

}  // namespace v2v::gw
