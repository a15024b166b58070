// The seam between the milter logic and the protocol: Session talks to this
// interface; dispatcher.cc implements it with milter reply packets; tests
// record the calls. Header values carry their leading space (as with
// SMFIP_HDR_LEADSPC); the dispatcher adapts when the MTA did not agree to that.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace v2v::milter {

// A modification or reply the MTA did not allow (or not at this step).
class MilterIoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class MilterIo {
public:
    virtual ~MilterIo() = default;
    // A macro's value ("i", "{auth_authen}", ...), nullopt when not sent.
    virtual std::optional<std::string> macro(const char* name) = 0;
    virtual void insertHeader(int index, const std::string& name, const std::string& value) = 0;
    // Deletes the index-th (1-based) header with this name.
    virtual void deleteHeader(const std::string& name, int index) = 0;
    // Sets the value of the index-th (1-based) header with this name; adds the
    // header when there are fewer (the protocol's change-header reply).
    virtual void changeHeader(const std::string& name, int index, const std::string& value) = 0;
    virtual void replaceBody(std::string_view body) = 0;
    virtual void setReply(const std::string& rcode, const std::string& xcode, const std::string& text) = 0;
};

}  // namespace v2v::milter
