// In-process cost of each stage of the send path (no HTTP, no Redis): JSON
// validation, MIME building, JWT verification, the SQLite commit. Prints
// microseconds per call. "mime" is buildMessage() as the gateway calls it (the
// direct serializer for this request); the "mime_us" line compares the GMime
// builder with the direct one on a 2 KB text and a 2 KB text + 2 KB html email.
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "db.h"
#include "email_store.h"
#include "ids.h"
#include "jwt_auth.h"
#include "mime_build.h"
#include "mime_simple.h"
#include "send_request.h"

using namespace v2v;
using namespace v2v::gw;
using Clock = std::chrono::steady_clock;

template <class F>
double perCallUs(int n, F f) {
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) f(i);
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
}

struct MimeFigures {
    double textGmime, textSimple, altGmime, altSimple;
};

// Both builders on the same request, in the same run (ratios, not absolutes).
MimeFigures mimeFigures(int n) {
    std::string text;
    while (text.size() < 2000) text += "Grüße aus Köln: your order #12345 has shipped and is on its way.\n";
    SendRequest r;
    r.from = {"Shop Team", "shop@example.test"};
    r.to = {{"Bob Smith", "bob@remote.test"}};
    r.subject = "Your order #12345 has shipped — Grüße";
    r.text = text;
    BuiltHeaders h;
    h.message_id = "01ABC@example.test";
    h.date = 1800000000;
    h.internal = {{"X-V2V-Email-Id", "01ABC"}, {"X-V2V-Track", "opens,clicks"}};
    if (!simpleMessagePossible(r, h)) throw std::logic_error("bench request not simple");
    MimeFigures f{};
    f.textGmime = perCallUs(n, [&](int) { buildMessageWithGMime(r, h); });
    f.textSimple = perCallUs(n, [&](int) { buildSimpleMessage(r, h); });
    r.html = "<html><body><p>" + text + "</p></body></html>";
    f.altGmime = perCallUs(n, [&](int) { buildMessageWithGMime(r, h); });
    f.altSimple = perCallUs(n, [&](int) { buildSimpleMessage(r, h); });
    return f;
}

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 2000;
    std::string text;
    for (int i = 0; i < 28; ++i) text += "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ";
    std::string body = R"({"from":"Bench <bench@example.test>","to":["rcpt@remote.test"],"subject":"bench","text":")" +
                       text + R"(","tags":["bench"],"metadata":{"n":1}})";
    SendLimits lim;
    double parseUs = perCallUs(n, [&](int) { parseSendRequest(body, lim, 1800000000); });
    SendRequest req = std::get<SendRequest>(parseSendRequest(body, lim, 1800000000));
    BuiltHeaders h;
    h.message_id = "01ABC@example.test";
    h.date = 1800000000;
    double mimeUs = perCallUs(n, [&](int) { buildMessage(req, h); });
    MimeFigures mf = mimeFigures(n);
    JwtConfig jc;
    jc.keys = {{"k1", std::string(64, 'k')}};
    std::string tok = issueToken(jc, "bench", {"send"}, nowSeconds());
    double jwtUs = perCallUs(n, [&](int) { verifyToken(jc, tok, nowSeconds()); });
    double ulidUs = perCallUs(n, [&](int) { newUlid(); });

    char dir[] = "/tmp/v2v-stages-XXXXXX";
    std::string path = std::string(mkdtemp(dir)) + "/b.db";
    Db db(path, 5000);
    migrate(db);
    db.execScript("INSERT INTO clients(id,name,secret_hash,created_at,updated_at) VALUES('bench','b','x',0,0)");
    std::string mime = buildMessage(req, h);
    double dbUs = perCallUs(n, [&](int) {
        NewEmail e;
        e.id = newUlid();
        e.client_id = "bench";
        e.message_id = e.id + "@example.test";
        e.from_address = "bench@example.test";
        e.status = "queued";
        e.mime = mime;
        e.recipients = {{"rcpt@remote.test", "to", "queued"}};
        Transaction tx(db);
        insertEmail(db, e, nowSeconds());
        tx.commit();
    });
    std::printf("stage_us parse=%.1f mime=%.1f jwt=%.1f ulid=%.2f sqlite_commit=%.1f\n", parseUs, mimeUs, jwtUs,
                ulidUs, dbUs);
    std::printf("mime_us text_gmime=%.1f text_simple=%.1f text_ratio=%.1f alt_gmime=%.1f alt_simple=%.1f "
                "alt_ratio=%.1f\n",
                mf.textGmime, mf.textSimple, mf.textGmime / mf.textSimple, mf.altGmime, mf.altSimple,
                mf.altGmime / mf.altSimple);
    return 0;
}
