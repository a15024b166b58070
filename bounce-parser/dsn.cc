// RFC 3464 delivery-status fields (see dsn.h).
#include "dsn.h"

#include <stdexcept>

#include "pattern.h"
#include "text.h"

namespace v2v::bounce {
namespace {

bool prefixNoCase(std::string_view s, std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
        char a = s[i], b = p[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

bool blank(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    return true;
}

}  // namespace

int dsnFieldClass(std::string_view line) {
    static const std::string_view perMessage[] = {"Reporting-MTA", "Received-From-MTA", "Arrival-Date",
                                                  "X-Original-Message-ID"};
    static const std::string_view perRecipient[] = {"Original-Recipient", "Final-Recipient",  "Action",
                                                    "Status",             "Remote-MTA",       "Diagnostic-Code",
                                                    "Last-Attempt-Date",  "X-Actual-Recipient"};
    for (auto f : perMessage)
        if (prefixNoCase(line, f)) return 1;
    for (auto f : perRecipient)
        if (prefixNoCase(line, f)) return 2;
    return 0;
}

std::optional<DsnField> parseDsnField(std::string_view line) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string name = lower(line.substr(0, colon));
    char group = 0;
    if (name == "original-recipient" || name == "final-recipient" || name == "x-actual-recipient") group = 'a';
    else if (name == "diagnostic-code") group = 'c';
    else if (name == "arrival-date" || name == "last-attempt-date") group = 'd';
    else if (name == "received-from-mta" || name == "remote-mta" || name == "reporting-mta") group = 'h';
    else if (name == "action") group = 'l';
    else if (name == "status") group = 's';
    else if (name == "x-original-message-id") group = 't';
    else return std::nullopt;

    static const Regex typed(R"(\A[^:]+:[ ]*(.+?);[ ]*(.*))");
    static const Regex untyped(R"(\A[^:]+:[ ]*(.+))");
    static const Regex action(R"(\A[^:]+:[ ]*(delayed|deliverable|delivered|expanded|expired|failed|failure|relayed))",
                              Regex::icase);
    static const Regex status(R"(\A[^:]+:[ ]*([245][.]\d+[.]\d+))");
    Match m;
    DsnField f;
    f.name = name;
    f.group = group;
    switch (group) {
    case 'a':
    case 'c':
    case 'h':
        if (!typed.search(line, m)) return std::nullopt;
        if (group != 'c' && m[2].empty()) return std::nullopt;  // "(.+)" needs a value
        f.type = upper(m[1]);
        f.value = group == 'h' ? lower(m[2]) : m.str(2);
        if (blank(f.value)) f.value.clear();
        return f;
    case 'l': {
        if (!action.search(line, m)) return std::nullopt;
        f.value = lower(m[1]);
        if (f.value == "deliverable") f.value = "delivered";
        else if (f.value == "expired") f.value = "delayed";
        else if (f.value == "failure") f.value = "failed";
        return f;
    }
    case 's':
        if (!status.search(line, m)) return std::nullopt;
        f.value = m.str(1);
        return f;
    default:
        if (!untyped.search(line, m)) return std::nullopt;
        f.value = group == 'd' ? m.str(1) : lower(m[1]);
        return f;
    }
}

std::string_view DsnCollector::target(std::string_view n) {
    if (n == "action") return "action";
    if (n == "arrival-date" || n == "last-attempt-date") return "date";
    if (n == "diagnostic-code") return "diagnosis";
    if (n == "final-recipient") return "recipient";
    if (n == "original-recipient" || n == "x-actual-recipient") return "alias";
    if (n == "received-from-mta") return "lhost";
    if (n == "remote-mta" || n == "reporting-mta") return "rhost";
    if (n == "status") return "status";
    return "";
}

bool DsnCollector::feed(std::string_view line) {
    int cls = dsnFieldClass(line);
    if (!cls) return false;
    auto o = parseDsnField(line);
    if (!o) return true;
    DeliveryStatus* v = &ds_.back();
    if (o->group == 'a') {
        if (o->name == "final-recipient") {
            v = &nextRecord(ds_);
            v->recipient = o->value;
            ++recipients_;
        } else {
            v->alias = o->value;
        }
    } else if (o->group == 'c') {
        v->spec = o->type;
        v->diagnosis = o->value;
    } else {
        std::string_view t = target(o->name);
        if (t.empty()) return true;
        fieldOf(*v, t) = o->value;
        if (cls == 1) perMessage_[std::string(t)] = o->value;
    }
    return true;
}

bool DsnCollector::continuation(std::string_view line, std::string_view prev) {
    if (!startsWith(prev, "Diagnostic-Code:")) return false;
    if (line.empty() || (line[0] != ' ' && line[0] != '\t')) return false;
    std::string_view rest = line;
    while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
    if (rest.empty()) return false;
    ds_.back().diagnosis += " ";
    ds_.back().diagnosis.append(rest);
    return true;
}

void DsnCollector::applyPerMessage(bool lhostFromReporting) {
    for (auto& e : ds_) {
        if (lhostFromReporting && e.lhost.empty() && perMessage_.count("rhost")) e.lhost = perMessage_["rhost"];
        for (const auto& [k, v] : perMessage_) {
            std::string& f = fieldOf(e, k);
            if (f.empty()) f = v;
        }
    }
}

std::string& fieldOf(DeliveryStatus& d, std::string_view key) {
    if (key == "recipient") return d.recipient;
    if (key == "alias") return d.alias;
    if (key == "action") return d.action;
    if (key == "status") return d.status;
    if (key == "replycode") return d.replycode;
    if (key == "diagnosis") return d.diagnosis;
    if (key == "spec") return d.spec;
    if (key == "reason") return d.reason;
    if (key == "command") return d.command;
    if (key == "rhost") return d.rhost;
    if (key == "lhost") return d.lhost;
    if (key == "date") return d.date;
    if (key == "agent") return d.agent;
    if (key == "feedbacktype") return d.feedbacktype;
    throw std::logic_error("unknown delivery status field " + std::string(key));
}

DeliveryStatus& nextRecord(std::vector<DeliveryStatus>& ds) {
    if (!ds.back().recipient.empty()) ds.emplace_back();
    return ds.back();
}

}  // namespace v2v::bounce
