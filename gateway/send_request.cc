// Validation of the send API's JSON body (see send_request.h).
#include "send_request.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>

#include "base64.h"
#include "text_checks.h"

#include "json_body.h"

namespace v2v::gw {
namespace {

using nlohmann::json;
using Result = std::variant<SendRequest, ApiError>;

struct Invalid {
    ApiError error;
};

[[noreturn]] void fail(const std::string& field, const std::string& message) {
    throw Invalid{invalidField(field, message)};
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string getString(const json& j, const std::string& key, const std::string& field, std::size_t max) {
    const json& v = j.at(key);
    if (!v.is_string()) fail(field, "must be a string");
    std::string s = v.get<std::string>();
    if (s.size() > max) fail(field, "is longer than " + std::to_string(max) + " bytes");
    if (s.find('\0') != std::string::npos) fail(field, "holds a NUL byte");
    return s;
}

Mailbox mailboxFrom(const json& v, const std::string& field) {
    Mailbox m;
    std::string err;
    if (v.is_string()) {
        err = parseMailbox(v.get<std::string>(), m);
    } else if (v.is_object()) {
        if (!v.contains("email") || !v["email"].is_string()) fail(field + ".email", "is required");
        for (auto it = v.begin(); it != v.end(); ++it)
            if (it.key() != "email" && it.key() != "name") fail(field + "." + it.key(), "unknown field");
        err = normalizeAddress(v["email"].get<std::string>(), m.email);
        if (err.empty() && v.contains("name")) {
            if (!v["name"].is_string()) fail(field + ".name", "must be a string");
            m.name = v["name"].get<std::string>();
            if (hasLineBreak(m.name)) fail(field + ".name", "must not hold CR, LF or NUL");
            if (m.name.size() > 256) fail(field + ".name", "is longer than 256 bytes");
        }
    } else {
        fail(field, "must be an address string or {email, name}");
    }
    if (!err.empty()) fail(field, err);
    if (!validUtf8(m.name)) fail(field, "the display name is not valid UTF-8");
    return m;
}

std::vector<Mailbox> mailboxList(const json& j, const std::string& key, const std::string& field) {
    std::vector<Mailbox> out;
    if (!j.contains(key) || j[key].is_null()) return out;
    const json& v = j[key];
    if (v.is_string() || v.is_object()) {
        out.push_back(mailboxFrom(v, field));
        return out;
    }
    if (!v.is_array()) fail(field, "must be an array of addresses");
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(mailboxFrom(v[i], field + "[" + std::to_string(i) + "]"));
    return out;
}

bool headerNameOk(const std::string& n) {
    if (n.empty() || n.size() > 76) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
        return c > 32 && c < 127 && c != ':';
    });
}

std::string decodeBase64Field(const std::string& in, const std::string& field) {
    auto out = base64Decode(in, Base64::standard, " \t\r\n");
    if (!out) fail(field, "is not valid base64");
    return std::move(*out);
}

bool contentTypeOk(const std::string& t) {
    auto slash = t.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == t.size() || t.size() > 127) return false;
    return std::all_of(t.begin(), t.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/!#$&^_.+-").find(c) != std::string_view::npos;
    });
}

void parseAttachments(const json& j, SendRequest& r, const SendLimits& lim, const std::string& p) {
    if (!j.contains("attachments") || j["attachments"].is_null()) return;
    const json& arr = j["attachments"];
    if (!arr.is_array()) fail(p + "attachments", "must be an array");
    if (arr.size() > lim.max_attachments)
        throw Invalid{{413, "too_many_attachments",
                       "at most " + std::to_string(lim.max_attachments) + " attachments", p + "attachments"}};
    for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string f = p + "attachments[" + std::to_string(i) + "]";
        const json& a = arr[i];
        if (!a.is_object()) fail(f, "must be an object");
        for (auto it = a.begin(); it != a.end(); ++it)
            if (it.key() != "filename" && it.key() != "content_type" && it.key() != "content" &&
                it.key() != "inline" && it.key() != "content_id")
                fail(f + "." + it.key(), "unknown field");
        Attachment at;
        if (!a.contains("filename")) fail(f + ".filename", "is required");
        at.filename = getString(a, "filename", f + ".filename", 255);
        if (at.filename.empty() || hasLineBreak(at.filename) || at.filename.find_first_of("/\\") != std::string::npos)
            fail(f + ".filename", "must be a plain file name without CR, LF or path separators");
        if (!validUtf8(at.filename)) fail(f + ".filename", "is not valid UTF-8");
        at.content_type = a.contains("content_type") ? lower(getString(a, "content_type", f + ".content_type", 127))
                                                     : "application/octet-stream";
        if (!contentTypeOk(at.content_type)) fail(f + ".content_type", "must be a MIME type like text/plain");
        if (!a.contains("content")) fail(f + ".content", "is required");
        if (!a["content"].is_string()) fail(f + ".content", "must be a base64 string");
        at.content = decodeBase64Field(a["content"].get<std::string>(), f + ".content");
        if (a.contains("inline")) {
            if (!a["inline"].is_boolean()) fail(f + ".inline", "must be true or false");
            at.inline_ = a["inline"].get<bool>();
        }
        if (a.contains("content_id")) {
            at.content_id = getString(a, "content_id", f + ".content_id", 200);
            if (at.content_id.size() >= 2 && at.content_id.front() == '<' && at.content_id.back() == '>')
                at.content_id = at.content_id.substr(1, at.content_id.size() - 2);
            if (at.content_id.empty() || at.content_id.find_first_of("<>\r\n \t\"") != std::string::npos)
                fail(f + ".content_id", "is malformed");
        }
        if (at.inline_ && at.content_id.empty()) fail(f + ".content_id", "is required for inline attachments");
        r.attachments.push_back(std::move(at));
    }
}

void parseHeaders(const json& j, SendRequest& r, const std::string& p) {
    if (!j.contains("headers") || j["headers"].is_null()) return;
    const json& h = j["headers"];
    if (!h.is_object()) fail(p + "headers", "must be an object of name: value");
    if (h.size() > 50) fail(p + "headers", "at most 50 headers");
    for (auto it = h.begin(); it != h.end(); ++it) {
        std::string f = p + "headers." + it.key();
        if (!headerNameOk(it.key())) fail(f, "is not a valid header name");
        if (isReservedHeader(it.key())) fail(f, "is a reserved header and cannot be set");
        if (!it.value().is_string()) fail(f, "must be a string");
        std::string v = it.value().get<std::string>();
        if (hasLineBreak(v)) fail(f, "must not hold CR, LF or NUL (header injection)");
        if (v.size() > 900) fail(f, "is longer than 900 bytes");
        if (!validUtf8(v)) fail(f, "is not valid UTF-8");
        r.headers.emplace_back(it.key(), v);
    }
}

void parseTagsAndMeta(const json& j, SendRequest& r, const std::string& p) {
    if (j.contains("tags") && !j["tags"].is_null()) {
        const json& t = j["tags"];
        if (!t.is_array()) fail(p + "tags", "must be an array of strings");
        if (t.size() > 10) fail(p + "tags", "at most 10 tags");
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::string f = p + "tags[" + std::to_string(i) + "]";
            if (!t[i].is_string()) fail(f, "must be a string");
            std::string tag = t[i].get<std::string>();
            if (tag.empty() || tag.size() > 64 ||
                !std::all_of(tag.begin(), tag.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
                }))
                fail(f, "must be 1..64 of letters, digits, '-', '_', '.', ':'");
            if (std::find(r.tags.begin(), r.tags.end(), tag) == r.tags.end()) r.tags.push_back(tag);
        }
    }
    if (j.contains("metadata") && !j["metadata"].is_null()) {
        if (!j["metadata"].is_object()) fail(p + "metadata", "must be an object");
        r.metadata_json = j["metadata"].dump();
        if (r.metadata_json.size() > 4096) fail(p + "metadata", "is larger than 4096 bytes");
    }
}

std::optional<bool> optBool(const json& j, const std::string& key, const std::string& field) {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_boolean()) fail(field, "must be true or false");
    return j[key].get<bool>();
}

const char* const kKnownFields[] = {"from", "to", "cc", "bcc", "reply_to", "subject", "text", "html",
                                    "template", "template_version", "variables", "attachments", "headers",
                                    "tags", "metadata", "send_at", "track_opens", "track_clicks",
                                    "list_unsubscribe", "strict"};

SendRequest parseObject(const json& j, const SendLimits& lim, std::int64_t now, const std::string& p) {
    if (!j.is_object()) throw Invalid{{400, "malformed", "the body must be a JSON object", ""}};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (std::find(std::begin(kKnownFields), std::end(kKnownFields), it.key()) == std::end(kKnownFields))
            fail(p + it.key(), "unknown field");
    SendRequest r;
    if (!j.contains("from")) fail(p + "from", "is required");
    r.from = mailboxFrom(j["from"], p + "from");
    r.to = mailboxList(j, "to", p + "to");
    r.cc = mailboxList(j, "cc", p + "cc");
    r.bcc = mailboxList(j, "bcc", p + "bcc");
    std::size_t n = r.to.size() + r.cc.size() + r.bcc.size();
    if (n == 0) fail(p + "to", "at least one recipient (to, cc or bcc) is required");
    if (n > static_cast<std::size_t>(lim.max_recipients))
        throw Invalid{{413, "too_many_recipients",
                       "at most " + std::to_string(lim.max_recipients) + " recipients per message", p + "to"}};
    if (j.contains("reply_to") && !j["reply_to"].is_null()) r.reply_to = mailboxFrom(j["reply_to"], p + "reply_to");

    if (j.contains("template") && !j["template"].is_null()) {
        r.template_name = getString(j, "template", p + "template", 128);
        if (j.contains("subject") || j.contains("text") || j.contains("html"))
            fail(p + "template", "give either template or subject/text/html, not both");
        if (j.contains("template_version") && !j["template_version"].is_null()) {
            if (!j["template_version"].is_number_integer() || j["template_version"].get<long long>() < 1)
                fail(p + "template_version", "must be a positive integer");
            r.template_version = j["template_version"].get<int>();
        }
        if (j.contains("variables") && !j["variables"].is_null()) {
            if (!j["variables"].is_object()) fail(p + "variables", "must be an object");
            r.variables_json = j["variables"].dump();
        }
        r.template_strict = optBool(j, "strict", p + "strict").value_or(false);
    } else {
        if (j.contains("variables")) fail(p + "variables", "only with template");
        if (j.contains("strict")) fail(p + "strict", "only with template");
        if (!j.contains("subject")) fail(p + "subject", "is required");
        r.subject = getString(j, "subject", p + "subject", 998);
        if (hasLineBreak(r.subject)) fail(p + "subject", "must not hold CR, LF or NUL (header injection)");
        if (!validUtf8(r.subject)) fail(p + "subject", "is not valid UTF-8");
        if (j.contains("text") && !j["text"].is_null()) r.text = getString(j, "text", p + "text", 50u << 20);
        if (j.contains("html") && !j["html"].is_null()) r.html = getString(j, "html", p + "html", 50u << 20);
        if (!r.text && !r.html) fail(p + "text", "text or html is required");
        if (r.text && !validUtf8(*r.text)) fail(p + "text", "is not valid UTF-8");
        if (r.html && !validUtf8(*r.html)) fail(p + "html", "is not valid UTF-8");
    }
    parseAttachments(j, r, lim, p);
    parseHeaders(j, r, p);
    parseTagsAndMeta(j, r, p);
    if (j.contains("send_at") && !j["send_at"].is_null()) {
        if (!j["send_at"].is_string()) fail(p + "send_at", "must be an RFC 3339 date-time string");
        auto t = parseRfc3339(j["send_at"].get<std::string>());
        if (!t) fail(p + "send_at", "must be an RFC 3339 date-time like 2026-12-01T09:00:00Z");
        if (*t > now + lim.max_schedule_ahead_seconds)
            fail(p + "send_at", "is too far in the future (at most " +
                                    std::to_string(lim.max_schedule_ahead_seconds / 86400) + " days)");
        if (*t > now) r.send_at = *t;  // a time in the past means now
    }
    r.track_opens = optBool(j, "track_opens", p + "track_opens");
    r.track_clicks = optBool(j, "track_clicks", p + "track_clicks");
    r.list_unsubscribe = optBool(j, "list_unsubscribe", p + "list_unsubscribe");
    return r;
}

}  // namespace

std::vector<Recipient> SendRequest::recipients() const {
    std::vector<Recipient> out;
    for (const auto& m : to) out.push_back({m, "to"});
    for (const auto& m : cc) out.push_back({m, "cc"});
    for (const auto& m : bcc) out.push_back({m, "bcc"});
    return out;
}

bool isReservedHeader(const std::string& name) {
    static const char* const reserved[] = {"from", "to", "cc", "bcc", "date", "message-id", "mime-version",
                                           "dkim-signature", "return-path", "received", "sender", "subject",
                                           "reply-to", "list-unsubscribe", "list-unsubscribe-post",
                                           "authentication-results", "arc-seal", "arc-message-signature",
                                           "arc-authentication-results"};
    std::string n = lower(name);
    if (n.rfind("content-", 0) == 0) return true;
    if (n.rfind("x-v2v-", 0) == 0) return true;  // internal headers
    for (const char* r : reserved)
        if (n == r) return true;
    return false;
}

std::optional<std::int64_t> parseRfc3339(const std::string& s) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
    int Y, M, D, h, m, sec;
    if (s.size() < 20 || s.size() > 40) return std::nullopt;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d", &Y, &M, &D, &h, &m, &sec) != 6) return std::nullopt;
    if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return std::nullopt;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == start) return std::nullopt;
    }
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970) return std::nullopt;
    std::int64_t offset = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
        offset = 0;
    } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = 0, om = 0;
        if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) return std::nullopt;
        offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    struct tm tmv {};
    tmv.tm_year = Y - 1900;
    tmv.tm_mon = M - 1;
    tmv.tm_mday = D;
    tmv.tm_hour = h;
    tmv.tm_min = m;
    tmv.tm_sec = sec;
    std::int64_t t = timegm(&tmv);
    struct tm back {};
    time_t tt = static_cast<time_t>(t);
    gmtime_r(&tt, &back);
    if (back.tm_mday != D) return std::nullopt;  // e.g. Feb 30
    return t - offset;
}

std::variant<SendRequest, ApiError> parseSendJson(const json& j, const SendLimits& limits, std::int64_t now,
                                                  const std::string& prefix) {
    try {
        return parseObject(j, limits, now, prefix);
    } catch (const Invalid& e) {
        return e.error;
    } catch (const json::exception&) {
        return invalidField(prefix, "has a field of the wrong type");
    }
}

std::variant<SendRequest, ApiError> parseSendRequest(const std::string& body, const SendLimits& limits,
                                                     std::int64_t now) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return ApiError{400, "malformed", "the body is not valid JSON", ""};
    if (!jsonDepthWithin(j)) return ApiError{400, "malformed", "the body nests too deep", ""};  // dump() recurses
    return parseSendJson(j, limits, now, "");
}

}  // namespace v2v::gw
