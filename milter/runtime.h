// Everything the milter builds from its configuration: key table, libopendkim
// and libspf2 handles, network lists. Immutable once built; held as
// shared_ptr<const Runtime> so SIGHUP swaps in a new one while messages in
// flight finish with the old, and a failed reload keeps the old one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "body_rewrite.h"
#include "config.h"
#include "direction.h"
#include "dkim_keys.h"
#include "dkim_sign.h"
#include "network.h"
#include "spf.h"

namespace v2v::milter {

class DkimLib;

struct Runtime {
    ConfigPtr config;
    std::string authservId;
    DirectionPolicy direction;
    NetworkList spfBypass;
    KeyTable keys;
    UserDomains users;
    Canonicalization canon;
    std::shared_ptr<DkimLib> dkim;
    std::shared_ptr<SpfChecker> spf;      // null when SPF is off
    std::shared_ptr<SpfCache> spfCache;
    std::vector<BodyRewriter> bodyStages;  // before signing: tracking (tracking_stage.h)
    bool preparsedKeys = false;            // in effect (asked for and self-test passed)
    std::vector<std::string> warnings;     // for the log at start / reload

    const MilterConfig& cfg() const { return config->milter; }

    // Throws ConfigError naming the key (key files, zone files, lists).
    static std::shared_ptr<const Runtime> build(ConfigPtr config);
};

// The host name used as authserv-id when milter.authserv_id is empty.
std::string defaultAuthservId();

// The current runtime, swapped atomically on reload.
class RuntimeHolder {
public:
    std::shared_ptr<const Runtime> get() const { return std::atomic_load(&current_); }
    void set(std::shared_ptr<const Runtime> rt) { std::atomic_store(&current_, std::move(rt)); }

private:
    std::shared_ptr<const Runtime> current_;
};

}  // namespace v2v::milter
