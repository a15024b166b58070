// Report readers. Each reader recognises one family of report by its headers
// (and start markers in the text) and extracts per-recipient records; it
// returns nullopt when the report is not of its kind. The MTA-specific
// readers follow the report formats Sisimai 4.25 knows (BSD-2-Clause).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "message.h"

namespace v2v::bounce {

using ReaderFn = std::optional<ReaderResult> (*)(const Headers&, std::string_view body);

struct Reader {
    std::string_view name;
    ReaderFn fn;
};

// Readers to try for a report, best guess first (from the Subject), ending
// with the generic RFC 3464, ARF and RFC 3834 readers.
const std::vector<const Reader*>& readerOrder(const Headers& head);
const Reader* findReader(std::string_view name);

// Generic readers.
std::optional<ReaderResult> readRfc3464(const Headers&, std::string_view);
std::optional<ReaderResult> readArf(const Headers&, std::string_view);
bool isArf(const Headers&);
std::optional<ReaderResult> readRfc3834(const Headers&, std::string_view);

// Local delivery agents (procmail, maildrop, dovecot, ...) quoted in a report.
struct MdaResult {
    std::string mda, reason, message;
};
std::optional<MdaResult> readMda(const Headers&, std::string_view);

#define V2V_READER(name) std::optional<ReaderResult> read##name(const Headers&, std::string_view)
V2V_READER(Activehunter);
V2V_READER(Amavis);
V2V_READER(AmazonSES);
V2V_READER(AmazonWorkMail);
V2V_READER(Aol);
V2V_READER(ApacheJames);
V2V_READER(Barracuda);
V2V_READER(Bigfoot);
V2V_READER(Biglobe);
V2V_READER(Courier);
V2V_READER(Domino);
V2V_READER(EZweb);
V2V_READER(EinsUndEins);
V2V_READER(Exchange2003);
V2V_READER(Exchange2007);
V2V_READER(Exim);
V2V_READER(FML);
V2V_READER(Facebook);
V2V_READER(GMX);
V2V_READER(GSuite);
V2V_READER(GoogleGroups);
V2V_READER(Gmail);
V2V_READER(IMailServer);
V2V_READER(InterScanMSS);
V2V_READER(KDDI);
V2V_READER(MXLogic);
V2V_READER(MailFoundry);
V2V_READER(MailMarshalSMTP);
V2V_READER(MailRu);
V2V_READER(McAfee);
V2V_READER(MessageLabs);
V2V_READER(MessagingServer);
V2V_READER(Notes);
V2V_READER(Office365);
V2V_READER(OpenSMTPD);
V2V_READER(Outlook);
V2V_READER(Postfix);
V2V_READER(PowerMTA);
V2V_READER(ReceivingSES);
V2V_READER(SendGrid);
V2V_READER(Sendmail);
V2V_READER(SurfControl);
V2V_READER(V5sendmail);
V2V_READER(Verizon);
V2V_READER(X1);
V2V_READER(X2);
V2V_READER(X3);
V2V_READER(X4);
V2V_READER(X5);
V2V_READER(X6);
V2V_READER(Yahoo);
V2V_READER(Yandex);
V2V_READER(Zoho);
V2V_READER(mFILTER);
V2V_READER(qmail);
#undef V2V_READER

}  // namespace v2v::bounce
