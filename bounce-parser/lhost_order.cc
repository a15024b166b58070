// Which readers to try, in which order: readers suggested by the first words
// of the Subject first, then every MTA reader, then the generic ones.
#include <algorithm>
#include <map>
#include <string>

#include "lhost.h"
#include "text.h"

namespace v2v::bounce {
namespace {

#define R(n) {#n, read##n}
const Reader kReaders[] = {
    R(MailRu),        R(Yandex),          R(Exim),         R(Sendmail),        R(Aol),
    R(Office365),     R(Exchange2007),    R(Exchange2003), R(AmazonWorkMail),  R(AmazonSES),
    R(Barracuda),     R(InterScanMSS),    R(KDDI),         R(SurfControl),     R(Verizon),
    R(ApacheJames),   R(X2),              R(X5),           R(FML),             R(Postfix),
    R(GSuite),        R(Yahoo),           R(Outlook),      R(GMX),             R(MessagingServer),
    R(EinsUndEins),   R(Domino),          R(Notes),        R(qmail),           R(Courier),
    R(OpenSMTPD),     R(Zoho),            R(MessageLabs),  R(MXLogic),         R(MailFoundry),
    R(McAfee),        R(V5sendmail),      R(mFILTER),      R(SendGrid),        R(ReceivingSES),
    R(Amavis),        R(PowerMTA),        R(GoogleGroups), R(Gmail),           R(EZweb),
    R(IMailServer),   R(MailMarshalSMTP), R(Activehunter), R(Bigfoot),         R(Biglobe),
    R(Facebook),      R(X4),              R(X1),           R(X3),              R(X6),
};
#undef R

const Reader kRfc3464{"RFC3464", readRfc3464};
const Reader kArf{"Feedback-Loop", readArf};
const Reader kRfc3834{"RFC3834", readRfc3834};

// First two words of the Subject (or the text before its first colon).
std::string subjectKey(std::string_view subject) {
    std::string s;
    for (char c : subject) {
        if (c == '_' || c == '[' || c == ']') c = ' ';
        if (c == ' ' && !s.empty() && s.back() == ' ') continue;
        s += c;
    }
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    std::string l = lower(s);
    std::string first;
    std::size_t sp = l.find(' ');
    std::string word0 = l.substr(0, sp);
    std::size_t colon = word0.rfind(':');
    if (colon != std::string::npos && colon > 0) {
        first = l.substr(0, l.find(':'));
    } else if (sp == std::string::npos) {
        first = l;
    } else {
        std::size_t sp2 = l.find(' ', sp + 1);
        first = l.substr(0, sp) + "-" + l.substr(sp + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp - 1);
    }
    std::string out;
    for (char c : first)
        if (c != ':' && c != '"' && c != ',' && c != '*') out += c;
    return out;
}

const std::map<std::string, std::vector<std::string_view>>& subjectTable() {
    static const std::map<std::string, std::vector<std::string_view>> t = {
        {"abuse-report", {"Feedback-Loop"}},
        {"auto", {"RFC3834"}},
        {"auto-reply", {"RFC3834"}},
        {"automatic-reply", {"RFC3834"}},
        {"aws-notification", {"AmazonSES"}},
        {"complaint-about", {"Feedback-Loop"}},
        {"delivery-failure", {"Domino", "X2"}},
        {"delivery-notification", {"MessagingServer"}},
        {"delivery-report", {"PowerMTA"}},
        {"delivery-status",
         {"GSuite", "Outlook", "GoogleGroups", "McAfee", "OpenSMTPD", "AmazonSES", "AmazonWorkMail",
          "ReceivingSES", "Gmail", "X3"}},
        {"dmarc-ietf-dmarc", {"Feedback-Loop"}},
        {"email-feedback", {"Feedback-Loop"}},
        {"failed-delivery", {"X2"}},
        {"failure-delivery", {"X2"}},
        {"failure-notice", {"Yahoo", "qmail", "mFILTER", "Activehunter", "X4"}},
        {"loop-alert", {"FML"}},
        {"mail-could", {"InterScanMSS"}},
        {"mail-delivery", {"Exim", "MailRu", "GMX", "EinsUndEins", "Zoho", "MessageLabs", "MXLogic"}},
        {"mail-failure", {"Exim"}},
        {"mail-not", {"X4"}},
        {"mail-system", {"EZweb"}},
        {"message-delivery", {"MailFoundry"}},
        {"message-frozen", {"Exim"}},
        {"message-you", {"Barracuda"}},
        {"non-recapitabile", {"Exchange2007"}},
        {"non-remis", {"Exchange2007"}},
        {"notice", {"Courier"}},
        {"permanent-delivery", {"X4"}},
        {"postmaster-notify", {"Sendmail"}},
        {"returned-mail", {"Sendmail", "Aol", "V5sendmail", "Bigfoot", "Biglobe", "X1"}},
        {"sorry-your", {"Facebook"}},
        {"there-was", {"X6"}},
        {"undeliverable", {"Office365", "Exchange2007", "Aol", "Exchange2003"}},
        {"undeliverable-mail", {"Amavis", "MailMarshalSMTP", "IMailServer"}},
        {"undeliverable-message", {"Notes", "Verizon"}},
        {"undelivered-mail", {"Postfix", "Aol", "SendGrid", "Zoho"}},
        {"warning", {"Sendmail", "Exim"}},
    };
    return t;
}

}  // namespace

const Reader* findReader(std::string_view name) {
    for (const auto& r : kReaders)
        if (r.name == name) return &r;
    if (name == kRfc3464.name) return &kRfc3464;
    if (name == kArf.name) return &kArf;
    if (name == kRfc3834.name) return &kRfc3834;
    return nullptr;
}

const std::vector<const Reader*>& readerOrder(const Headers& head) {
    static const std::vector<const Reader*> defaults = [] {
        std::vector<const Reader*> v;
        for (const auto& r : kReaders) v.push_back(&r);
        v.push_back(&kRfc3464);
        v.push_back(&kArf);
        v.push_back(&kRfc3834);
        return v;
    }();
    // Every order a Subject can ask for, built once.
    static const std::map<std::string, std::vector<const Reader*>> bySubject = [] {
        std::map<std::string, std::vector<const Reader*>> m;
        for (const auto& [key, names] : subjectTable()) {
            std::vector<const Reader*> v;
            for (auto n : names) v.push_back(findReader(n));
            for (const Reader* r : defaults)
                if (std::find(v.begin(), v.end(), r) == v.end()) v.push_back(r);
            m.emplace(key, std::move(v));
        }
        return m;
    }();
    auto it = bySubject.find(subjectKey(head.get("subject")));
    return it == bySubject.end() ? defaults : it->second;
}

}  // namespace v2v::bounce
