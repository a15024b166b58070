// The error shape of the REST API: {"error":{"code","message","field"?}}.
#pragma once

#include <string>

namespace v2v::gw {

struct ApiError {
    int status = 400;     // HTTP status
    std::string code;     // machine-readable: "invalid_field", "unauthorized", ...
    std::string message;  // for humans; never holds internal error text
    std::string field;    // offending request field, e.g. "to[2]"; may be empty
};

inline ApiError invalidField(const std::string& field, const std::string& message) {
    return {422, "invalid_field", message, field};
}

}  // namespace v2v::gw
