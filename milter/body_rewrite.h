// The outbound body pipeline: stages that rewrite the body (tracking links,
// issue 5) run in order before signing, in the same end-of-message pass, so
// the signature covers the final body. A stage is a pure function of the
// headers and the body; nullopt means "unchanged". None is configured yet.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "headers.h"

namespace v2v::milter {

using BodyRewriter = std::function<std::optional<std::string>(const HeaderList& headers, std::string_view body)>;

// Runs every stage; returns true when the body changed.
inline bool rewriteBody(const std::vector<BodyRewriter>& stages, const HeaderList& headers, std::string& body) {
    bool changed = false;
    for (const auto& stage : stages) {
        if (auto out = stage(headers, body)) {
            if (*out != body) changed = true;
            body = std::move(*out);
        }
    }
    return changed;
}

}  // namespace v2v::milter
