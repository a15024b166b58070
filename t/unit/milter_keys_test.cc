// Key table: loading and checks, DNS records, and which keys sign a message.
#include <boost/test/unit_test.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim_keys.h"
#include "milter_fixtures.h"

using namespace milter_test;

namespace {
DkimKeyConfig key(const std::string& file, const std::string& alg = "rsa-sha256",
                  const std::string& selector = "s1", const std::string& domain = "example.test") {
    DkimKeyConfig k;
    k.domain = domain;
    k.selector = selector;
    k.key_file = dataPath(file);
    k.algorithm = alg;
    return k;
}
std::string loadError(const std::vector<DkimKeyConfig>& keys) {
    try {
        KeyTable::load(keys, false, nullptr);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(keys)

BOOST_AUTO_TEST_CASE(loads_rsa_pkcs8_pkcs1_and_ed25519) {
    std::vector<std::string> warnings;
    auto t = KeyTable::load({key("rsa2048.pem"), key("rsa2048-pkcs1.pem", "rsa-sha256", "s2"),
                             key("ed25519.pem", "ed25519-sha256", "e1"), key("rsa2048.pem", "rsa-sha256", "o1", "Other.TEST")},
                            true, &warnings);
    BOOST_TEST(t.all().size() == 4u);
    BOOST_TEST(t.forDomain("example.test").size() == 3u);
    BOOST_TEST(t.forDomain("other.test").size() == 1u);  // domains are lower-cased
    BOOST_TEST(t.all()[0]->bits == 2048);
    BOOST_TEST((t.all()[2]->algorithm == DkimAlgorithm::ed25519Sha256));
    // Pre-parsed: libopendkim gets a token, never the PEM text.
    BOOST_TEST(t.all()[0]->secretForLibrary().rfind("v2v-preparsed-key:", 0) == 0u);
    BOOST_TEST(t.all()[0]->secretForLibrary().find("PRIVATE") == std::string::npos);
    auto pem = KeyTable::load({key("rsa2048.pem")}, false, nullptr);
    BOOST_TEST(pem.all()[0]->secretForLibrary().rfind("-----BEGIN PRIVATE KEY-----", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(small_rsa_keys) {
    BOOST_TEST(loadError({key("rsa512.pem")}) ==
               "milter.dkim.keys[0].key_file: " + dataPath("rsa512.pem") +
                   ": RSA key of 512 bits refused (at least 1024, RFC 8301)");
    std::vector<std::string> warnings;
    KeyTable::load({key("rsa1024.pem")}, false, &warnings);
    bool warned = false;
    for (const auto& w : warnings) warned = warned || w.find("RSA key of 1024 bits; use 2048 or more") != std::string::npos;
    BOOST_TEST(warned);
}

BOOST_AUTO_TEST_CASE(errors_name_the_key_and_never_show_key_material) {
    BOOST_TEST(loadError({key("rsa2048.pem"), key("ed25519.pem", "rsa-sha256", "s2")}).find(
                   "milter.dkim.keys[1].algorithm: rsa-sha256 needs an RSA key") == 0u);
    BOOST_TEST(loadError({key("rsa2048.pem", "ed25519-sha256")}).find(
                   "milter.dkim.keys[0].algorithm: ed25519-sha256 needs an Ed25519 key") == 0u);
    BOOST_TEST(loadError({key("missing.pem")}).find("milter.dkim.keys[0].key_file: cannot read ") == 0u);
    BOOST_TEST(loadError({key("keys.records")}).find("is not a PEM private key") != std::string::npos);
    BOOST_TEST(loadError({key("rsa2048.pem"), key("rsa1024.pem", "rsa-sha256", "s1", "EXAMPLE.test")}) ==
               "milter.dkim.keys[1]: selector s1 of EXAMPLE.test is already milter.dkim.keys[0]");
    std::string pem = readData("rsa2048.pem");
    std::string body = pem.substr(40, 40);  // a piece of the base64 key
    std::string e = loadError({key("rsa2048.pem", "ed25519-sha256")});
    BOOST_TEST(e.find(body) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(garbage_pem_is_refused) {
    DkimKeyConfig k = key("rsa2048.pem");
    BOOST_CHECK_THROW(parseDkimKey(k, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k", nullptr),
                      ConfigError);
    BOOST_CHECK_THROW(parseDkimKey(k, "", "k", nullptr), ConfigError);
    BOOST_CHECK_THROW(parseDkimKey(k, std::string(100, '\0'), "k", nullptr), ConfigError);
}

BOOST_AUTO_TEST_CASE(warns_about_world_readable_key_files) {
    std::vector<std::string> warnings;
    std::string copy = "/tmp/v2v-milter-test-key." + std::to_string(::getpid()) + ".pem";
    {
        std::ofstream out(copy);
        out << readData("ed25519.pem");
    }
    ::chmod(copy.c_str(), 0600);
    DkimKeyConfig k = key("ed25519.pem", "ed25519-sha256");
    k.key_file = copy;
    KeyTable::load({k}, false, &warnings);
    BOOST_TEST(warnings.empty());
    ::chmod(copy.c_str(), 0644);
    KeyTable::load({k}, false, &warnings);
    BOOST_TEST(warnings.size() == 1u);
    ::unlink(copy.c_str());
}

BOOST_AUTO_TEST_CASE(dns_records_match_the_golden_file) {
    auto t = KeyTable::load({key("rsa2048.pem", "rsa-sha256", "rsa1"), key("ed25519.pem", "ed25519-sha256", "ed1")},
                            false, nullptr);
    BOOST_TEST(dnsRecordName(*t.all()[0]) == "rsa1._domainkey.example.test");
    BOOST_TEST(dnsRecordValue(*t.all()[1]).rfind("v=DKIM1; k=ed25519; p=", 0) == 0u);
    // keys.records was produced with `v2v-milter --dns-records` and checked
    // against openssl (pkey -pubout: DER for RSA, the raw last 32 bytes for Ed25519).
    BOOST_TEST(dnsRecords(t) == readData("keys.records"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(key_choice)

namespace {
const KeyTable& table() {
    static KeyTable t = KeyTable::load({key("rsa2048.pem", "rsa-sha256", "rsa1"), key("ed25519.pem", "ed25519-sha256", "ed1"),
                                        key("rsa1024.pem", "rsa-sha256", "p1", "parent.test")},
                                       false, nullptr);
    return t;
}
}  // namespace

BOOST_AUTO_TEST_CASE(all_keys_of_the_from_domain) {
    auto c = chooseKeys(table(), std::string("example.test"), "", {}, false);
    BOOST_TEST(c.domain == "example.test");
    BOOST_REQUIRE(c.keys.size() == 2u);
    BOOST_TEST(c.keys[0]->selector == "rsa1");
    BOOST_TEST(c.keys[1]->selector == "ed1");
    BOOST_TEST(chooseKeys(table(), std::string("nokey.test"), "", {}, false).reason == "no key for the From domain");
    BOOST_TEST(chooseKeys(table(), std::nullopt, "", {}, false).reason == "no single From address");
}

BOOST_AUTO_TEST_CASE(parent_domain_only_when_enabled) {
    BOOST_TEST(chooseKeys(table(), std::string("mail.parent.test"), "", {}, false).keys.empty());
    auto c = chooseKeys(table(), std::string("a.b.parent.test"), "", {}, true);
    BOOST_TEST(c.domain == "parent.test");
    BOOST_TEST(c.keys.size() == 1u);
    // Never up to a bare top-level domain.
    BOOST_TEST(chooseKeys(table(), std::string("x.test"), "", {}, true).keys.empty());
}

BOOST_AUTO_TEST_CASE(authenticated_users_sign_only_their_domains) {
    UserDomains users = {{"alice", {"example.test"}}, {"bob", {"other.test"}}};
    BOOST_TEST(chooseKeys(table(), std::string("example.test"), "alice", users, false).keys.size() == 2u);
    BOOST_TEST(chooseKeys(table(), std::string("sub.example.test"), "alice", users, false).reason ==
               "no key for the From domain");  // allowed, but no key of its own
    // OpenDKIM issue #187: bob must not get example.test's signature.
    auto c = chooseKeys(table(), std::string("example.test"), "bob", users, false);
    BOOST_TEST(c.keys.empty());
    BOOST_TEST(c.reason == "From domain not mapped to the authenticated user");
    BOOST_TEST(chooseKeys(table(), std::string("example.test"), "mallory", users, false).reason ==
               "authenticated user not in milter.dkim.users");
    BOOST_TEST(chooseKeys(table(), std::string("notexample.test"), "alice", users, false).reason ==
               "From domain not mapped to the authenticated user");
}

BOOST_AUTO_TEST_SUITE_END()
