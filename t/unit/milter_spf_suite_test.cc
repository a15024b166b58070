// The RFC 7208 conformance suite (openspf.org, as kept by pyspf) run through
// the milter's own SPF code (SpfChecker with an in-memory zone). Every failing
// case must be listed in t/data/spf/known-deviations.txt with its reason; a
// listed case that passes is an error too, so the list stays true.
#include <boost/test/unit_test.hpp>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "network.h"
#include "spf.h"

using namespace v2v::milter;

namespace {

std::string spfData(const std::string& name) { return std::string(V2V_SRCDIR) + "/t/data/spf/" + name; }

std::string scalarText(const YAML::Node& n) {
    if (n.IsScalar()) return n.Scalar();
    std::string out;  // a TXT record given as a list of strings
    for (const auto& part : n) out += part.Scalar();
    return out;
}

std::vector<SpfZoneEntry> zoneOf(const YAML::Node& zonedata) {
    std::vector<SpfZoneEntry> zone;
    for (const auto& name : zonedata) {
        std::string host = name.first.Scalar();
        for (const auto& rec : name.second) {
            if (rec.IsScalar()) {  // "TIMEOUT"
                zone.push_back({host, rec.Scalar(), ""});
                continue;
            }
            for (const auto& kv : rec) {
                std::string type = kv.first.Scalar();
                std::string data;
                if (type == "MX" && kv.second.IsSequence())
                    data = kv.second[0].Scalar() + " " + kv.second[1].Scalar();
                else
                    data = scalarText(kv.second);
                zone.push_back({host, type, data});
            }
        }
    }
    return zone;
}

// "scenario/test" -> reason, from the deviations file.
std::map<std::string, std::string> knownDeviations() {
    std::map<std::string, std::string> out;
    std::ifstream in(spfData("known-deviations.txt"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto sp = line.find_first_of(" \t");
        std::string id = line.substr(0, sp);
        std::string reason = sp == std::string::npos ? "" : line.substr(line.find_first_not_of(" \t", sp));
        out[id] = reason;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc7208_conformance_suite) {
    auto docs = YAML::LoadAllFromFile(spfData("rfc7208-tests.yml"));
    auto known = knownDeviations();
    int total = 0, passed = 0;
    std::set<std::string> failedIds;
    std::ostringstream report;
    for (const auto& doc : docs) {
        std::string scenario = doc["description"].as<std::string>();
        std::vector<SpfZoneEntry> zone = zoneOf(doc["zonedata"]);
        SpfChecker checker(&zone, "receiver.test");
        for (const auto& t : doc["tests"]) {
            std::string id = scenario + "/" + t.first.Scalar();
            for (auto& c : id)
                if (c == ' ') c = '_';
            const YAML::Node& test = t.second;
            std::set<std::string> want;
            if (test["result"].IsSequence())
                for (const auto& r : test["result"]) want.insert(r.Scalar());
            else
                want.insert(test["result"].Scalar());
            auto ip = parseIp(test["host"].as<std::string>());
            BOOST_REQUIRE_MESSAGE(ip, id + ": bad host");
            std::string helo = test["helo"].as<std::string>();
            std::string from = test["mailfrom"] ? test["mailfrom"].as<std::string>() : "";
            SpfAnswer a = checker.checkMailFrom(*ip, helo, from);
            std::string got = spfResultName(a.result);
            bool ok = want.count(got) > 0;
            // "DEFAULT" is the implementation's own text: the milter has none.
            if (ok && test["explanation"] && a.result == SpfResult::fail) {
                std::string wantExp = test["explanation"].as<std::string>();
                ok = a.explanation == (wantExp == "DEFAULT" ? "" : wantExp);
            }
            ++total;
            if (ok) {
                ++passed;
            } else {
                failedIds.insert(id);
                report << id << ": got " << got << " (explanation \"" << a.explanation << "\"), want";
                for (const auto& w : want) report << " " << w;
                report << "\n";
            }
        }
    }
    std::cout << "SPF conformance (RFC 7208 suite): " << passed << " of " << total << " passed, "
              << failedIds.size() << " failed, " << known.size()
              << " known deviation(s) listed in t/data/spf/known-deviations.txt\n";
    BOOST_TEST_MESSAGE(report.str());
    BOOST_TEST(total == 203);
    bool unexpected = false;
    for (const auto& id : failedIds) {
        BOOST_TEST(known.count(id) == 1u, "unlisted failure: " << id);
        unexpected = unexpected || !known.count(id);
    }
    for (const auto& [id, reason] : known) {
        BOOST_TEST(failedIds.count(id) == 1u, "listed deviation now passes (remove it): " << id);
        BOOST_TEST(!reason.empty(), "deviation without a reason: " << id);
    }
    if (unexpected) std::cout << report.str();
}
