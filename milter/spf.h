// SPF checks (RFC 7208) with libspf2, for the MAIL FROM and HELO identities.
// The DNS is either the real resolver or an in-memory zone (tests, and the
// conformance suite, go through this same class). A small result cache sits
// in front. libspf2's headers stay inside spf.cc.
#pragma once

#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "network.h"

namespace v2v::milter {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };
const char* spfResultName(SpfResult r);

struct SpfAnswer {
    SpfResult result = SpfResult::none;
    std::string explanation;  // for fail: the domain's explanation, sanitised
    std::string receivedSpf;  // value for a Received-SPF header
};

// One record of an in-memory zone. type: A AAAA MX PTR TXT SPF CNAME, or
// TIMEOUT (queries for the name's other types time out). MX data may start
// with a priority; TXT data "NONE" means no TXT record (not even from SPF).
struct SpfZoneEntry {
    std::string name;
    std::string type;
    std::string data;
};

// Parses "NAME TYPE DATA" lines (# comments, blank lines); TXT data may be
// one or more quoted strings, joined (TXT and SPF data in SpfZoneEntry is the
// joined text). Throws std::invalid_argument naming the line.
std::vector<SpfZoneEntry> parseSpfZone(const std::string& text);

class SpfChecker {
public:
    // nullptr: real DNS. Otherwise the zone is the whole DNS (no fallback).
    // `receiver` is the receiving host name (%{r}). Throws std::runtime_error.
    SpfChecker(const std::vector<SpfZoneEntry>* zone, const std::string& receiver);
    ~SpfChecker();
    SpfChecker(const SpfChecker&) = delete;
    SpfChecker& operator=(const SpfChecker&) = delete;

    // MAIL FROM identity; an empty `mailFrom` checks postmaster@helo.
    SpfAnswer checkMailFrom(const IpAddress& client, const std::string& helo, const std::string& mailFrom) const;
    // HELO identity (RFC 7208 section 2.3).
    SpfAnswer checkHelo(const IpAddress& client, const std::string& helo) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Thread-safe LRU cache of answers, keyed by client, identity and subject.
class SpfCache {
public:
    SpfCache(std::chrono::seconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}
    bool get(const std::string& key, SpfAnswer& out);
    void put(const std::string& key, const SpfAnswer& a);

private:
    using Clock = std::chrono::steady_clock;
    struct Entry {
        std::string key;
        SpfAnswer answer;
        Clock::time_point expires;
    };
    std::chrono::seconds ttl_;
    std::size_t capacity_;
    std::mutex mutex_;
    std::list<Entry> lru_;  // most recent first
    std::map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace v2v::milter
