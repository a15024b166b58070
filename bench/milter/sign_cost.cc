// bench/milter/sign-cost: what handing libopendkim the key costs per message.
// Signs the same ~2 KB message N times through signMessage() (the milter's
// own path) with each test key, once with the PEM text (libopendkim parses
// it for every message) and once pre-parsed, and prints microseconds per
// signature. Usage: sign-cost KEY-DIR [N]   (KEY-DIR: t/data/milter)
#include <chrono>
#include <cstdio>
#include <string>

#include "config.h"
#include "dkim_keys.h"
#include "dkim_lib.h"
#include "dkim_sign.h"

using namespace v2v;
using namespace v2v::milter;

namespace {

double perSignature(const DkimLib& lib, const DkimKey& key, const HeaderList& h, const std::string& body, int n) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) signMessage(lib, {&key}, h, body, "bench", Canonicalization{});
    auto end = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::micro>(end - start).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: sign-cost KEY-DIR [N]\n");
        return 64;
    }
    std::string dir = argv[1];
    int n = argc > 2 ? std::stoi(argv[2]) : 500;
    DkimLibOptions o;
    o.signedHeaders = Config{}.milter.dkim.signed_headers;
    o.oversignedHeaders = Config{}.milter.dkim.oversigned_headers;
    DkimLib lib(o);
    HeaderList h = {{"From", " Shop <orders@example.test>"}, {"To", " <user@remote.test>"},
                    {"Subject", " Your order"}, {"Date", " Mon, 01 Jan 2024 10:00:00 +0000"},
                    {"Message-ID", " <01HV5ZK6@example.test>"}, {"MIME-Version", " 1.0"},
                    {"Content-Type", " text/plain; charset=us-ascii"}};
    std::string body;
    while (body.size() < 1800) body += "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\r\n";
    for (auto [file, alg] : {std::pair<const char*, const char*>{"rsa2048.pem", "rsa-sha256"},
                             {"ed25519.pem", "ed25519-sha256"}}) {
        DkimKeyConfig k{"example.test", "s1", dir + "/" + file, alg};
        KeyTable pem = KeyTable::load({k}, false, nullptr);
        KeyTable pre = KeyTable::load({k}, true, nullptr);
        perSignature(lib, *pre.all()[0], h, body, 20);  // warm up
        double a = perSignature(lib, *pem.all()[0], h, body, n);
        double b = perSignature(lib, *pre.all()[0], h, body, n);
        std::printf("%-15s PEM per message %7.0f us, pre-parsed %7.0f us: key handling %7.0f us (%.1fx)\n", alg, a, b,
                    a - b, a / b);
    }
    return 0;
}
