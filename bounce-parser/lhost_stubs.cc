// TEMPORARY: readers not ported yet.
#include "lhost.h"
namespace v2v::bounce {
#define STUB(n) std::optional<ReaderResult> read##n(const Headers&, std::string_view) { return std::nullopt; }
STUB(Activehunter) STUB(Amavis) STUB(Aol) STUB(ApacheJames) STUB(Barracuda) STUB(Bigfoot) STUB(Biglobe)
STUB(Courier) STUB(Domino) STUB(EZweb) STUB(EinsUndEins) STUB(FML) STUB(Facebook) STUB(GMX)
STUB(IMailServer) STUB(InterScanMSS) STUB(KDDI) STUB(MXLogic) STUB(MailFoundry) STUB(MailMarshalSMTP)
STUB(McAfee) STUB(MessageLabs) STUB(Notes) STUB(PowerMTA) STUB(SendGrid) STUB(SurfControl) STUB(Verizon)
STUB(Yandex) STUB(Zoho) STUB(mFILTER)
}
