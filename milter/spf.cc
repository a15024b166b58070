// libspf2 wrapper (see spf.h).
#include "spf.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

extern "C" {
#include <spf2/spf.h>
#include <spf2/spf_dns_resolv.h>
#include <spf2/spf_dns_zone.h>
}

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>

#include "headers.h"

namespace v2v::milter {
namespace {

struct RequestFree {
    void operator()(SPF_request_t* r) const { SPF_request_free(r); }
};
struct ResponseFree {
    void operator()(SPF_response_t* r) const { SPF_response_free(r); }
};

// Explanations come from a sender's DNS: printable ASCII only, bounded.
std::string sanitize(const char* s, std::size_t max = 200) {
    std::string out;
    if (s == nullptr) return out;
    for (; *s && out.size() < max; ++s) {
        unsigned char c = static_cast<unsigned char>(*s);
        if (c >= 32 && c < 127) out += *s;
    }
    return out;
}

// libspf2 1.2.10 leaves the result "invalid" when a record does not compile
// (it returns the error code instead): that is a permanent error of the
// sender's record; only DNS failures and lack of memory are temporary.
SpfResult mapResult(SPF_result_t r, SPF_errcode_t ec) {
    if (r == SPF_RESULT_INVALID)
        return (ec == SPF_E_DNS_ERROR || ec == SPF_E_NO_MEMORY) ? SpfResult::temperror : SpfResult::permerror;
    switch (r) {
        case SPF_RESULT_PASS: return SpfResult::pass;
        case SPF_RESULT_FAIL: return SpfResult::fail;
        case SPF_RESULT_SOFTFAIL: return SpfResult::softfail;
        case SPF_RESULT_NEUTRAL: return SpfResult::neutral;
        case SPF_RESULT_NONE: return SpfResult::none;
        case SPF_RESULT_PERMERROR: return SpfResult::permerror;
        default: return SpfResult::temperror;
    }
}

std::string joinTxt(const std::string& data) {
    if (data.empty() || data[0] != '"') return data;
    std::string out;
    bool in = false;
    for (std::size_t i = 0; i < data.size(); ++i) {
        char c = data[i];
        if (!in) {
            if (c == '"') in = true;
            continue;
        }
        if (c == '\\' && i + 1 < data.size()) out += data[++i];
        else if (c == '"') in = false;
        else out += c;
    }
    return out;
}

void addRecord(SPF_dns_server_t* z, const std::string& name, ns_type type, const std::string& data) {
    SPF_errcode_t e = SPF_dns_zone_add_str(z, name.c_str(), type, NETDB_SUCCESS, data.c_str());
    if (e != SPF_E_SUCCESS)
        throw std::invalid_argument("zone record " + name + ": " + SPF_strerror(e) + " (" + data + ")");
}

// Builds libspf2's zone. libspf2 knows A, AAAA, MX, PTR and TXT only: SPF
// records are served as TXT where a name has no TXT, CNAMEs are followed
// here, "TXT NONE" means no TXT record. After its records each name gets a
// catch-all entry: "no data" for the types it lacks (so an existing name is
// not "no such domain"), or a timeout when the name is marked TIMEOUT.
SPF_dns_server_t* buildZone(const std::vector<SpfZoneEntry>& zone) {
    SPF_dns_server_t* z = SPF_dns_zone_new(nullptr, "v2v-zone", 0);
    if (z == nullptr) throw std::runtime_error("SPF_dns_zone_new failed");
    try {
        std::multimap<std::string, const SpfZoneEntry*> byName;
        std::vector<std::string> order;
        for (const auto& e : zone) {
            std::string n = lower(e.name);
            while (!n.empty() && n.back() == '.') n.pop_back();
            if (!byName.count(n)) order.push_back(n);
            byName.emplace(n, &e);
        }
        // Exact names first, wildcards after (libspf2 returns the first match).
        std::stable_partition(order.begin(), order.end(), [](const std::string& n) { return n.rfind("*.", 0) != 0; });
        for (const auto& name : order) {
            // Follow CNAMEs (bounded) to the records that answer for this name.
            std::string target = name;
            for (int hops = 0; hops < 8; ++hops) {
                std::string next;
                auto [b, e] = byName.equal_range(target);
                for (auto it = b; it != e; ++it)
                    if (iequals(it->second->type, "CNAME")) next = lower(it->second->data);
                while (!next.empty() && next.back() == '.') next.pop_back();
                if (next.empty() || !byName.count(next)) break;
                target = next;
            }
            auto [b, e] = byName.equal_range(target);
            bool timeout = false, hasTxt = false;
            for (auto it = b; it != e; ++it) {
                timeout = timeout || iequals(it->second->type, "TIMEOUT");
                hasTxt = hasTxt || iequals(it->second->type, "TXT");
            }
            for (auto it = b; it != e; ++it) {
                const auto& r = *it->second;
                if (iequals(r.type, "A")) addRecord(z, name, ns_t_a, r.data);
                else if (iequals(r.type, "AAAA")) addRecord(z, name, ns_t_aaaa, r.data);
                else if (iequals(r.type, "MX")) addRecord(z, name, ns_t_mx, r.data);
                else if (iequals(r.type, "PTR")) addRecord(z, name, ns_t_ptr, r.data);
                else if (iequals(r.type, "TXT") && r.data == "NONE")
                    continue;  // no TXT record: the catch-all below answers
                else if (iequals(r.type, "TXT") || (iequals(r.type, "SPF") && !hasTxt))
                    addRecord(z, name, ns_t_txt, r.data);
            }
            SPF_dns_zone_add_str(z, name.c_str(), ns_t_any, timeout ? TRY_AGAIN : NO_DATA, nullptr);
        }
    } catch (...) {
        SPF_dns_free(z);
        throw;
    }
    return z;
}

}  // namespace

const char* spfResultName(SpfResult r) {
    switch (r) {
        case SpfResult::none: return "none";
        case SpfResult::neutral: return "neutral";
        case SpfResult::pass: return "pass";
        case SpfResult::fail: return "fail";
        case SpfResult::softfail: return "softfail";
        case SpfResult::temperror: return "temperror";
        case SpfResult::permerror: return "permerror";
    }
    return "temperror";
}

std::vector<SpfZoneEntry> parseSpfZone(const std::string& text) {
    std::vector<SpfZoneEntry> out;
    std::istringstream in(text);
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') continue;
        std::istringstream ls(line.substr(start));
        SpfZoneEntry e;
        ls >> e.name >> e.type;
        std::getline(ls >> std::ws, e.data);
        static const std::set<std::string> types = {"A", "AAAA", "MX", "PTR", "TXT", "SPF", "CNAME", "TIMEOUT"};
        std::string t = e.type;
        for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (e.name.empty() || !types.count(t) || (t != "TIMEOUT" && e.data.empty()))
            throw std::invalid_argument("line " + std::to_string(no) + ": expected NAME TYPE DATA");
        e.type = t;
        if (t == "TXT" || t == "SPF") e.data = joinTxt(e.data);
        out.push_back(std::move(e));
    }
    return out;
}

struct SpfChecker::Impl {
    SPF_server_t* server = nullptr;
};

SpfChecker::SpfChecker(const std::vector<SpfZoneEntry>* zone, const std::string& receiver)
    : impl_(std::make_unique<Impl>()) {
    if (zone) {
        SPF_dns_server_t* z = buildZone(*zone);
        impl_->server = SPF_server_new_dns(z, 0);
        if (impl_->server == nullptr) SPF_dns_free(z);
        else impl_->server->destroy_resolver = 1;
    } else {
        impl_->server = SPF_server_new(SPF_DNS_RESOLV, 0);
    }
    if (impl_->server == nullptr) throw std::runtime_error("SPF_server_new failed");
    if (!receiver.empty()) SPF_server_set_rec_dom(impl_->server, receiver.c_str());
    // No default explanation (libspf2's points to the defunct openspf.org):
    // only a domain's own exp= text is reported, sanitised by this file.
    SPF_response_t* expErr = nullptr;
    SPF_server_set_explanation(impl_->server, "", &expErr);
    if (expErr) SPF_response_free(expErr);
}

SpfChecker::~SpfChecker() {
    if (impl_->server) SPF_server_free(impl_->server);
}

namespace {

SpfAnswer query(SPF_server_t* server, const IpAddress& client, const std::string& helo, const std::string* from) {
    SpfAnswer a;
    std::unique_ptr<SPF_request_t, RequestFree> req(SPF_request_new(server));
    if (!req) {
        a.result = SpfResult::temperror;
        return a;
    }
    if (client.family == AF_INET) {
        struct in_addr in;
        std::memcpy(&in, client.bytes.data(), 4);
        SPF_request_set_ipv4(req.get(), in);
    } else {
        struct in6_addr in6;
        std::memcpy(&in6, client.bytes.data(), 16);
        SPF_request_set_ipv6(req.get(), in6);
    }
    if (!helo.empty()) SPF_request_set_helo_dom(req.get(), helo.c_str());
    // An empty identity makes libspf2 check postmaster@<helo> (the HELO identity).
    std::string identity = from ? *from : "";
    if (identity.empty() && helo.empty()) return a;  // nothing to check: none
    if (SPF_request_set_env_from(req.get(), identity.c_str()) != 0) {
        a.result = SpfResult::permerror;  // unusable MAIL FROM
        return a;
    }
    SPF_response_t* raw = nullptr;
    SPF_errcode_t ec = SPF_request_query_mailfrom(req.get(), &raw);
    std::unique_ptr<SPF_response_t, ResponseFree> resp(raw);
    if (!resp) {
        a.result = SpfResult::temperror;
        return a;
    }
    a.result = mapResult(SPF_response_result(resp.get()), ec);
    if (a.result == SpfResult::fail) {
        // libspf2 1.2.10 hands back the spaces of an exp= text as '%'; a
        // literal '%' cannot be told apart and becomes a space too.
        a.explanation = sanitize(SPF_response_get_explanation(resp.get()));
        std::replace(a.explanation.begin(), a.explanation.end(), '%', ' ');
    }
    a.receivedSpf = sanitize(SPF_response_get_received_spf_value(resp.get()), 900);
    return a;
}

}  // namespace

SpfAnswer SpfChecker::checkMailFrom(const IpAddress& client, const std::string& helo,
                                    const std::string& mailFrom) const {
    return query(impl_->server, client, helo, &mailFrom);
}

SpfAnswer SpfChecker::checkHelo(const IpAddress& client, const std::string& helo) const {
    return query(impl_->server, client, helo, nullptr);
}

bool SpfCache::get(const std::string& key, SpfAnswer& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    if (it->second->expires <= Clock::now()) {
        lru_.erase(it->second);
        index_.erase(it);
        return false;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    out = it->second->answer;
    return true;
}

void SpfCache::put(const std::string& key, const SpfAnswer& a) {
    if (ttl_.count() == 0 || a.result == SpfResult::temperror) return;  // never cache transient failures
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) {
        lru_.erase(it->second);
        index_.erase(it);
    }
    lru_.push_front({key, a, Clock::now() + ttl_});
    index_[key] = lru_.begin();
    while (lru_.size() > capacity_) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
    }
}

}  // namespace v2v::milter
