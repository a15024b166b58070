// RFC 3464 (RFC 1894) delivery-status fields: recognising a field line,
// splitting it into name / type / value, and the common loop that fills
// per-recipient records from the fields of a message/delivery-status part.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message.h"

namespace v2v::bounce {

struct DsnField {
    std::string name;   // lower-case field name, e.g. "final-recipient"
    std::string type;   // upper-case sub type: RFC822, SMTP, DNS, X-UNIX ... ("" if none)
    std::string value;  // the value (host names lower-cased, actions normalised)
    char group = 0;     // 'a' address, 'c' diagnostic code, 'd' date, 'h' host, 'l' action, 's' status, 't' text
};

// 1 = per-message field, 2 = per-recipient field, 0 = neither.
int dsnFieldClass(std::string_view line);
std::optional<DsnField> parseDsnField(std::string_view line);

// Starts a new record when the current one already has a recipient.
DeliveryStatus& nextRecord(std::vector<DeliveryStatus>& ds);

// Collects records from DSN field lines, as the MTA-specific readers do.
class DsnCollector {
public:
    DsnCollector() : ds_(1) {}
    // Consumes the line if it is a DSN field (returns true), else returns false.
    bool feed(std::string_view line);
    // A folded Diagnostic-Code continuation ("\t more text"); `prev` is the previous line.
    bool continuation(std::string_view line, std::string_view prev);
    // Fill empty fields from the per-message fields (lhost from Reporting-MTA).
    void applyPerMessage(bool lhostFromReporting = true);

    std::vector<DeliveryStatus>& ds() { return ds_; }
    DeliveryStatus& current() { return ds_.back(); }
    // Starts a record for a recipient found outside the DSN fields.
    DeliveryStatus& addRecipient(std::string address) {
        DeliveryStatus& v = nextRecord(ds_);
        v.recipient = std::move(address);
        ++recipients_;
        return v;
    }
    int recipients() const { return recipients_; }
    // The records and the returned headers, or nullopt when no recipient was found.
    std::optional<ReaderResult> take(std::string rfc822) {
        if (recipients_ == 0) return std::nullopt;
        return ReaderResult{std::move(ds_), std::move(rfc822)};
    }
    std::map<std::string, std::string>& perMessage() { return perMessage_; }
    // The record field a DSN field maps to ("rhost" for Reporting-MTA ...), or "".
    static std::string_view target(std::string_view fieldName);

private:
    std::vector<DeliveryStatus> ds_;
    std::map<std::string, std::string> perMessage_;
    int recipients_ = 0;
};

// The named member of a record ("rhost", "status", ...); throws on an unknown name.
std::string& fieldOf(DeliveryStatus& d, std::string_view key);

}  // namespace v2v::bounce
