// The report as the readers see it: its top-level headers (lower-cased names,
// unfolded values), the flattened body text, and the per-recipient records a
// reader produces before classification (DeliveryStatus).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace v2v::bounce {

class Headers {
public:
    // Value of the last field with this (lower-case) name, or "".
    const std::string& get(std::string_view name) const;
    bool has(std::string_view name) const { return fields_.find(name) != fields_.end(); }
    void set(const std::string& name, std::string value) { fields_.insert_or_assign(name, std::move(value)); }
    // Every Received: value, in order (top first).
    const std::vector<std::string>& received() const { return received_; }
    std::vector<std::string>& received() { return received_; }
    const std::map<std::string, std::string, std::less<>>& fields() const { return fields_; }

private:
    std::map<std::string, std::string, std::less<>> fields_;
    std::vector<std::string> received_;
};

// One recipient's delivery status as read from a report (Sisimai's field names).
struct DeliveryStatus {
    std::string recipient;   // Final-Recipient or the address found in the text
    std::string alias;       // Original-Recipient / X-Actual-Recipient
    std::string action;      // failed, delayed, delivered, relayed, expanded
    std::string status;      // enhanced status code
    std::string replycode;   // SMTP reply code
    std::string diagnosis;   // Diagnostic-Code text or the error text
    std::string spec;        // diagnostic type: SMTP, X-UNIX, X-POSTFIX, ...
    std::string reason;      // reason decided by the reader (may be refined later)
    std::string command;     // SMTP command the error answered (RCPT, DATA, ...)
    std::string rhost;       // Remote-MTA
    std::string lhost;       // Reporting-MTA / Received-From-MTA
    std::string date;
    std::string agent;       // which reader produced it
    std::string feedbacktype;
    std::string alterrors;   // scratch: secondary error text collected while reading
};

// What a reader returns: the records and the returned original headers.
struct ReaderResult {
    std::vector<DeliveryStatus> ds;
    std::string rfc822;  // header lines of the original message ("Name: value\n")
};

// The message split into parts, headers parsed and body flattened.
struct Report {
    Headers head;
    std::string body;         // flattened, decoded text ("\n" line ends)
    std::string originalTop;  // header block of the report as received
};

}  // namespace v2v::bounce
