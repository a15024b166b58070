// The first lines of the API handlers: authorization with one scope, path
// and paging parameters. Each returns nullopt after sending the error answer.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_values.h"
#include "auth.h"
#include "http_util.h"

namespace v2v::gw {

// "Authorization: Bearer" → the client, checked for `scope` (401 / 403).
std::optional<AuthContext> authorize(App& app, const Request& req, ResponseWriter& w, const std::string& scope);

// A route parameter, percent-decoded (404 when malformed).
std::optional<std::string> pathParam(const Request& req, ResponseWriter& w, const std::string& name);
// A query parameter, percent-decoded when well-formed (Pistache decodes neither).
std::optional<std::string> queryParam(const Request& req, const std::string& name);

struct Page {
    int limit = 100;
    std::string after;  // the key the previous page ended with ("" = from the start)
};
// ?limit= (1..1000, default 100) and ?cursor= (422 when malformed).
std::optional<Page> pageParams(const Request& req, ResponseWriter& w);

// {"<name>": [item(row)...], "next_cursor": cursor | null} from up to limit+1
// rows: the extra row only tells that another page follows.
template <class Row, class KeyFn, class ItemFn>
nlohmann::json pageJson(const char* name, std::vector<Row> rows, int limit, KeyFn key, ItemFn item) {
    nlohmann::json next = nullptr;
    if (static_cast<int>(rows.size()) > limit) {
        rows.resize(static_cast<std::size_t>(limit));
        next = encodeCursor(key(rows.back()));
    }
    nlohmann::json items = nlohmann::json::array();
    for (const auto& r : rows) items.push_back(item(r));
    return {{name, items}, {"next_cursor", next}};
}

}  // namespace v2v::gw
