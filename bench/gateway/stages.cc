// In-process cost of each stage of the send path (no HTTP, no Redis): JSON
// validation, MIME building, JWT verification, the SQLite commit. Prints
// microseconds per call; bench/gateway/run reports it next to the HTTP figures.
#include <chrono>
#include <cstdio>
#include <string>

#include "db.h"
#include "email_store.h"
#include "ids.h"
#include "jwt_auth.h"
#include "mime_build.h"
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
    return 0;
}
