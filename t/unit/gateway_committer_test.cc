// The send committer's own rules, without Redis: backpressure (a full queue
// answers 503 at once), and stop (every job submitted before is finished,
// later ones are answered 503). Jobs here carry no emails and no rate check,
// so the committer only orders and answers them.
#include <boost/test/unit_test.hpp>
#include <future>

#include "app.h"
#include "send_committer.h"
#include "send_service.h"
#include "temp_db.h"

using namespace v2v;
using namespace v2v::gw;

namespace {

ConfigPtr configIn(const test::TempDir& d) {
    auto c = std::make_shared<Config>();
    c->database.path = d.path("v2v.db");
    return c;
}

// A job that records its outcome.
struct Probe {
    std::promise<CommitResult> result;
    CommitJob job(std::vector<PreparedEmail*> emails = {}) {
        return {std::nullopt, std::move(emails), [this](CommitResult&& r) { result.set_value(std::move(r)); }};
    }
    CommitResult get() { return result.get_future().get(); }
};

// A job whose answer blocks the committer until released.
struct Blocker {
    std::promise<void> started, release;
    CommitJob job() {
        auto rel = release.get_future().share();
        return {std::nullopt, {}, [this, rel](CommitResult&&) {
                    started.set_value();
                    rel.wait();
                }};
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(send_committer)

BOOST_AUTO_TEST_CASE(a_full_queue_answers_503_at_once) {
    test::TempDir d;
    App app(configIn(d));
    SendCommitter::Limits lim;
    lim.max_jobs = 2;
    lim.max_bytes = 1000;
    SendCommitter c(app, lim);
    Blocker busy;
    c.submit(busy.job());
    busy.started.get_future().wait();  // the committer is held inside a batch
    Probe queued1, queued2, refused, tooBig;
    c.submit(queued1.job());
    PreparedEmail big;
    big.email.mime.assign(1001, 'x');
    c.submit(tooBig.job({&big}));  // over the byte bound with a job waiting
    CommitResult r = tooBig.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->status == 503);
    c.submit(queued2.job());
    c.submit(refused.job());  // a third job: over max_jobs
    r = refused.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->status == 503);
    BOOST_TEST(r.error->code == "unavailable");
    busy.release.set_value();
    BOOST_TEST(!queued1.get().error);
    BOOST_TEST(!queued2.get().error);
}

BOOST_AUTO_TEST_CASE(stop_finishes_every_job_then_refuses) {
    test::TempDir d;
    App app(configIn(d));
    SendCommitter c(app);
    Blocker busy;
    c.submit(busy.job());
    busy.started.get_future().wait();
    std::vector<std::unique_ptr<Probe>> waiting;
    for (int i = 0; i < 10; ++i) {
        waiting.push_back(std::make_unique<Probe>());
        c.submit(waiting.back()->job());
    }
    std::thread stopper([&] { c.stop(); });
    busy.release.set_value();
    stopper.join();
    for (auto& p : waiting) BOOST_TEST(!p->get().error);  // submitted before stop: all done
    Probe late;
    c.submit(late.job());
    CommitResult r = late.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->code == "shutting_down");
}

BOOST_AUTO_TEST_SUITE_END()
