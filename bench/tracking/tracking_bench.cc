// bench/tracking/tracking-bench: in-process cost of the milter's tracking
// rewrite on a 50 KB HTML newsletter with 40 links (multipart/alternative,
// quoted-printable), against baselines of the same run:
//   scan      the same message through rewriteMime with nothing to track
//             (GMime parse + decode + HTML scan: the floor of any rewrite)
//   rewrite   pixel + 40 click URLs (tokens, re-encoding, splice)
//   milter    a whole outbound Session: strip, rewrite, RSA-2048 + Ed25519
//             DKIM signatures, next to the same Session without tracking
// Also prints tokens for the gateway benchmark:
//   tracking-bench rewrite KEY-DIR [SECONDS]
//   tracking-bench tokens KEY-ID SECRET EMAIL-ID COUNT   (open tokens of recipients 0..COUNT-1)
#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "config.h"
#include "log.h"
#include "milter_io.h"
#include "runtime.h"
#include "session.h"
#include "tracking_mime.h"
#include "tracking_token.h"
#include "transfer_encoding.h"

using namespace v2v;
using namespace v2v::milter;

namespace {

const char* kEmail = "01HV5ZK6Q8R3G2F7XW9Y0ABCDE";

// ~50 KB of newsletter HTML: a table layout, 40 article blocks with a link,
// an image and a paragraph of UTF-8 text each, a footer.
std::string newsletterHtml() {
    std::string h =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Weekly</title>\n"
        "<style>body{margin:0;padding:0}td{font-family:Arial,sans-serif}.btn{background:#0b57d0}</style>\n"
        "</head><body><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">\n";
    for (int i = 0; i < 40; ++i) {
        h += "<tr><td style=\"padding:16px 24px;border-bottom:1px solid #e0e0e0\">\n"
             "<img src=\"https://cdn.shop.example/img/article-" + std::to_string(i) +
             ".jpg\" width=\"560\" height=\"280\" alt=\"Article " + std::to_string(i) + "\" style=\"display:block\">\n"
             "<h2 style=\"font-size:20px;margin:12px 0\">Article n\xc2\xb0" + std::to_string(i) +
             " \xe2\x80\x94 caf\xc3\xa9 cr\xc3\xa8me &amp; more</h2>\n<p style=\"font-size:15px;line-height:22px\">";
        while (h.size() % 1250 < 1000)
            h += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
                 "labore et dolore magna aliqua. ";
        h += "</p>\n<a class=\"btn\" href=\"https://shop.example/articles/" + std::to_string(i) +
             "?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=weekly-48\" "
             "style=\"color:#fff;padding:10px 18px;text-decoration:none\">Read more</a>\n</td></tr>\n";
    }
    h += "<tr><td style=\"font-size:12px;color:#666\">You get this mail because you subscribed. "
         "<a href=\"mailto:help@shop.example\">Contact us</a></td></tr>\n</table></body></html>\n";
    return h;
}

struct Message {
    HeaderList headers;
    std::string body;
};

Message newsletter(bool track) {
    Message m;
    m.headers = {{"X-V2V-Email-Id", std::string(" ") + kEmail},
                 {"From", " Shop <news@example.test>"},
                 {"To", " <user@remote.test>"},
                 {"Subject", " Weekly news"},
                 {"Date", " Mon, 01 Jan 2024 10:00:00 +0000"},
                 {"Message-ID", std::string(" <") + kEmail + "@example.test>"},
                 {"MIME-Version", " 1.0"},
                 {"Content-Type", " multipart/alternative; boundary=\"=-b1\""}};
    if (track) m.headers.insert(m.headers.begin() + 1, {"X-V2V-Track", " opens,clicks"});
    std::string text;
    while (text.size() < 5000) text += "Lorem ipsum dolor sit amet, https://shop.example/articles/1 consectetur.\n";
    m.body = "--=-b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
             encodeQuotedPrintable(text) +
             "\r\n--=-b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
             encodeQuotedPrintable(newsletterHtml()) + "\r\n--=-b1--\r\n";
    return m;
}

// Runs f repeatedly for about `seconds`; returns calls per second.
double rate(double seconds, const std::function<void()>& f) {
    for (int i = 0; i < 3; ++i) f();  // warm up
    auto start = std::chrono::steady_clock::now();
    long n = 0;
    double elapsed = 0;
    do {
        for (int i = 0; i < 10; ++i) f();
        n += 10;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds);
    return static_cast<double>(n) / elapsed;
}

class NullIo : public MilterIo {
public:
    std::optional<std::string> macro(const char* name) override {
        if (std::strcmp(name, "i") == 0) return std::string("BENCH1");
        return std::nullopt;
    }
    void insertHeader(int, const std::string&, const std::string&) override {}
    void deleteHeader(const std::string&, int) override {}
    void changeHeader(const std::string&, int, const std::string&) override {}
    void replaceBody(std::string_view b) override { bytes += b.size(); }
    void setReply(const std::string&, const std::string&, const std::string&) override {}
    std::size_t bytes = 0;
};

void session(const std::shared_ptr<const Runtime>& rt, const Message& m) {
    Session s([rt] { return rt; });
    NullIo io;
    s.connect(io, "localhost", parseIp("127.0.0.1"), 40000);
    s.helo(io, "gateway.v2v.test");
    s.mailFrom(io, std::string("<bounce+") + kEmail + "-0@bounces.example.test>");
    for (const auto& h : m.headers) s.header(h.name, h.value);
    s.endOfHeaders(io);
    s.body(m.body);
    if (s.endOfMessage(io) != Verdict::cont) throw std::runtime_error("session failed");
}

int rewriteBench(const std::string& keyDir, double seconds) {
    LogConfig quiet;
    quiet.level = "error";
    logInit("tracking-bench", quiet);
    std::string yaml =
        "log: {level: error}\n"
        "tracking:\n  base_url: https://t.example.test\n  keys:\n    - {id: b1, secret: bench-secret-0123456789abcdef0123}\n"
        "domains: {bounce_domain: bounces.example.test, verp_prefix: bounce}\n"
        "milter:\n  authserv_id: mx.v2v.test\n  dkim:\n    keys:\n"
        "      - {domain: example.test, selector: rsa1, key_file: " + keyDir + "/rsa2048.pem}\n"
        "      - {domain: example.test, selector: ed1, key_file: " + keyDir + "/ed25519.pem, algorithm: ed25519-sha256}\n";
    auto cfg = std::make_shared<const Config>(parseConfig(yaml, "bench.yaml"));
    auto rt = Runtime::build(cfg);
    Message tracked = newsletter(true), plain = newsletter(false);
    std::size_t html = newsletterHtml().size();
    const SigningKey key = cfg->tracking.keys[0];

    LinkPolicy nothing;  // parse + decode + scan, nothing to change
    nothing.trackingPrefix = "https://t.example.test/api/v1/tracking/";
    LinkPolicy full = nothing;
    full.opens = full.clicks = true;
    TrackingTarget who;
    who.email_id = kEmail;
    who.recipient = 0;
    TrackingTarget open = who;
    full.pixelUrl = openUrl("https://t.example.test", makeToken(open, key));
    full.wrap = [&who, &key](const std::string& url) {
        TrackingTarget t = who;
        t.kind = TokenKind::click;
        t.url = url;
        return clickUrl("https://t.example.test", makeToken(t, key));
    };
    MimeLimits limits;
    HeaderList h(plain.headers.begin() + 1, plain.headers.end());
    MimeRewrite check = rewriteMime(h, tracked.body, full, limits);
    if (check.outcome != MimeOutcome::rewritten || check.links != 40 || !check.pixel) {
        std::fprintf(stderr, "unexpected rewrite: links=%d pixel=%d reason=%s\n", check.links, check.pixel,
                     check.reason.c_str());
        return 1;
    }
    double mb = static_cast<double>(tracked.body.size()) / 1e6;
    double scan = rate(seconds, [&] { rewriteMime(h, tracked.body, nothing, limits); });
    double rewrite = rate(seconds, [&] { rewriteMime(h, tracked.body, full, limits); });
    double tokens = rate(seconds / 2, [&] {
        TrackingTarget t = who;
        t.kind = TokenKind::click;
        t.url = "https://shop.example/articles/7?utm_source=newsletter&utm_medium=email&utm_campaign=weekly-48";
        makeToken(t, key);
    });
    double withTracking = rate(seconds, [&] { session(rt, tracked); });
    double without = rate(seconds, [&] { session(rt, plain); });
    std::printf("message: %zu bytes (HTML %zu bytes decoded, 40 links), rewritten body %zu bytes\n",
                tracked.body.size(), html, check.body.size());
    std::printf("scan only (parse+decode+scan):   %8.0f msg/s  %7.1f MB/s\n", scan, scan * mb);
    std::printf("rewrite (pixel + 40 links):      %8.0f msg/s  %7.1f MB/s  (%.2fx the scan time)\n", rewrite,
                rewrite * mb, scan / rewrite);
    std::printf("click token:                     %8.0f tokens/s\n", tokens);
    std::printf("milter pass, RSA+Ed25519 signed: %8.0f msg/s with tracking, %8.0f msg/s without (%.2fx)\n",
                withTracking, without, without / withTracking);
    std::printf("RESULT tracking rewrite_mb_s=%.1f rewrite_msg_s=%.0f scan_mb_s=%.1f ratio_rewrite_scan=%.2f "
                "milter_tracked_msg_s=%.0f milter_plain_msg_s=%.0f\n",
                rewrite * mb, rewrite, scan * mb, scan / rewrite, withTracking, without);
    return 0;
}

int tokens(const char* kid, const char* secret, const char* email, int count) {
    SigningKey key{kid, secret};
    for (int i = 0; i < count; ++i) {
        TrackingTarget t;
        t.email_id = email;
        t.recipient = i;
        std::printf("%s\n", makeToken(t, key).c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // The heap settings of v2v-milter (milter/app.cc); V2V_BENCH_MALLOC_DEFAULTS=1 measures glibc's own.
    if (!std::getenv("V2V_BENCH_MALLOC_DEFAULTS")) {
        mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
        mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);
    }
    try {
        if (argc >= 3 && std::strcmp(argv[1], "rewrite") == 0)
            return rewriteBench(argv[2], argc > 3 ? std::stod(argv[3]) : 3.0);
        if (argc == 6 && std::strcmp(argv[1], "tokens") == 0) return tokens(argv[2], argv[3], argv[4], std::stoi(argv[5]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tracking-bench: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: tracking-bench rewrite KEY-DIR [SECONDS] | tokens KEY-ID SECRET EMAIL-ID COUNT\n");
    return 64;
}
