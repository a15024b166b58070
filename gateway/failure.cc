// Exception -> API error (see failure.h).
#include "failure.h"

#include "db.h"
#include "redis_client.h"

namespace v2v::gw {

ApiError apiErrorFor(const std::exception& e) {
    if (dynamic_cast<const RedisError*>(&e)) return {503, "unavailable", "a dependency is unavailable; retry later", ""};
    if (const auto* db = dynamic_cast<const DbError*>(&e))
        if (db->transient()) return {503, "unavailable", "the database is busy; retry later", ""};
    return {500, "internal", "internal error", ""};
}

ApiError apiErrorFor(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return apiErrorFor(x);
    } catch (...) {
        return {500, "internal", "internal error", ""};
    }
}

}  // namespace v2v::gw
