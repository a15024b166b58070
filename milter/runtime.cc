// Building the runtime from the configuration (see runtime.h).
#include "runtime.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "db.h"
#include "dkim_key_table.h"
#include "dkim_lib.h"
#include "headers.h"
#include "tracking_stage.h"

namespace v2v::milter {
namespace {

std::string readFile(const std::string& path, const std::string& key) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(key + ": cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void checkSignedHeaders(const MilterDkimConfig& d) {
    bool from = false;
    for (const auto& h : d.signed_headers) from = from || iequals(h, "From");
    if (!from) throw ConfigError("milter.dkim.signed_headers: must include From (RFC 6376)");
}

UserDomains userMap(const std::vector<DkimUserDomains>& users) {
    UserDomains out;
    for (std::size_t i = 0; i < users.size(); ++i) {
        if (out.count(users[i].user))
            throw ConfigError("milter.dkim.users[" + std::to_string(i) + "].user: " + users[i].user +
                              " is listed twice");
        out[users[i].user] = users[i].domains;
    }
    return out;
}

std::shared_ptr<SpfChecker> spfChecker(const MilterSpfConfig& s, const std::string& receiver) {
    if (!s.enabled) return nullptr;
    if (s.test_zone_file.empty()) return std::make_shared<SpfChecker>(nullptr, receiver);
    std::vector<SpfZoneEntry> zone;
    try {
        zone = parseSpfZone(readFile(s.test_zone_file, "milter.spf.test_zone_file"));
        return std::make_shared<SpfChecker>(&zone, receiver);
    } catch (const std::invalid_argument& e) {
        throw ConfigError("milter.spf.test_zone_file: " + s.test_zone_file + ": " + e.what());
    }
}

}  // namespace

std::string defaultAuthservId() {
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
    return lower(host);
}

std::shared_ptr<const Runtime> Runtime::build(ConfigPtr config) {
    auto rt = std::make_shared<Runtime>();
    rt->config = config;
    const MilterConfig& m = config->milter;
    rt->authservId = m.authserv_id.empty() ? defaultAuthservId() : m.authserv_id;
    rt->direction.internalNetworks =
        NetworkList::parse(m.direction.internal_networks, "milter.direction.internal_networks");
    rt->direction.authenticated = m.direction.authenticated;
    rt->direction.daemonNames = m.direction.daemon_names;
    rt->spfBypass = NetworkList::parse(m.spf.bypass_networks, "milter.spf.bypass_networks");
    checkSignedHeaders(m.dkim);
    try {
        rt->canon = parseCanonicalization(m.dkim.canonicalization);
    } catch (const std::invalid_argument& e) {
        throw ConfigError("milter.dkim.canonicalization: " + std::string(e.what()));
    }
    rt->users = userMap(m.dkim.users);
    if (!m.dkim.test_keys_file.empty()) readFile(m.dkim.test_keys_file, "milter.dkim.test_keys_file");

    // issue 7: the key table of `v2vctl dkim` (active keys) follows milter.dkim.keys.
    const std::vector<DkimKeyConfig> keys = signingKeys(m.dkim, nowSeconds());
    rt->preparsedKeys = m.dkim.preparsed_keys && !keys.empty();
    if (rt->preparsedKeys && !preparsedKeysSelfTest()) {
        rt->preparsedKeys = false;
        rt->warnings.push_back(
            "milter.dkim.preparsed_keys: libopendkim does not take pre-parsed keys in this build; "
            "the PEM text is parsed for every message");
    }
    rt->keys = KeyTable::load(keys, rt->preparsedKeys, &rt->warnings);
    // libopendkim 2.11 makes Ed25519 signatures that no verifier accepts when
    // the header canonicalization is simple (measured: python3-dkim, libopendkim).
    for (std::size_t i = 0; i < rt->keys.all().size() && !rt->canon.relaxedHeader; ++i)
        if (rt->keys.all()[i]->algorithm == DkimAlgorithm::ed25519Sha256)
            throw ConfigError("milter.dkim.canonicalization: simple header canonicalization breaks the "
                              "ed25519-sha256 signature of milter.dkim.keys[" + std::to_string(i) +
                              "] (libopendkim 2.11); use relaxed/relaxed or relaxed/simple");

    DkimLibOptions o;
    o.signedHeaders = m.dkim.signed_headers;
    o.oversignedHeaders = m.dkim.oversigned_headers;
    o.dnsTimeoutSeconds = m.dkim.dns_timeout_seconds;
    o.testKeysFile = m.dkim.test_keys_file;
    o.maxSignatures = m.dkim.max_signatures;
    try {
        rt->dkim = std::make_shared<DkimLib>(o);
    } catch (const DkimError& e) {
        throw ConfigError(std::string("milter.dkim: ") + e.what());
    }
    if (m.tracking.enabled) {
        rt->bodyStages.push_back(makeTrackingStage(config));
        if (config->tracking.keys.empty())
            rt->warnings.push_back("tracking.keys is empty: mail that asks for tracking is sent without it");
    }
    rt->spf = spfChecker(m.spf, rt->authservId);
    rt->spfCache = std::make_shared<SpfCache>(std::chrono::seconds(m.spf.cache_seconds),
                                              static_cast<std::size_t>(m.spf.cache_entries));
    return rt;
}

}  // namespace v2v::milter
