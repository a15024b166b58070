// The send committer's own rules, without Redis: backpressure (a full queue
// answers 503 at once), deadlines, stop (every job submitted before is
// finished, later ones are answered 503), and answers written while the next
// batch is committed. Jobs here carry no emails and no
// rate check, so the committer only orders and answers them. Every outcome
// lands in shared state, so a failed check never leaves a thread writing
// into a dead test.
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <utility>

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
    std::shared_ptr<std::promise<CommitResult>> result = std::make_shared<std::promise<CommitResult>>();
    std::shared_future<CommitResult> outcome = result->get_future().share();
    CommitJob job(std::vector<PreparedEmail*> emails = {}) {
        CommitJob j;
        j.emails = std::move(emails);
        j.done = [r = result](CommitResult&& x) { r->set_value(std::move(x)); };
        return j;
    }
    CommitResult get() { return outcome.get(); }
};

SendCommitter::Options oneThread() {
    SendCommitter::Options o;
    o.threads = 1;
    return o;
}

// A committer whose only thread is held inside its first batch until release().
struct Held {
    test::TempDir d;
    App app{configIn(d)};
    std::shared_ptr<std::promise<void>> started = std::make_shared<std::promise<void>>();
    std::shared_ptr<std::promise<void>> releaser = std::make_shared<std::promise<void>>();
    std::unique_ptr<SendCommitter> c;
    bool released = false;

    explicit Held(SendCommitter::Options o = oneThread()) {
        o.before_commit = [started = started, rel = releaser->get_future().share(), first = true]() mutable {
            if (!std::exchange(first, false)) return;
            started->set_value();
            rel.wait();
        };
        c = std::make_unique<SendCommitter>(app, o);
        Probe holder;
        c->submit(holder.job());
        started->get_future().wait();
    }
    void release() {
        if (!released) releaser->set_value();
        released = true;
    }
    ~Held() {
        release();  // before the committer stops
        c.reset();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(send_committer)

BOOST_AUTO_TEST_CASE(a_full_queue_answers_503_at_once) {
    SendCommitter::Options opt = oneThread();
    opt.max_jobs = 2;
    opt.max_bytes = 1000;
    Held h(opt);
    Probe queued1, queued2, refused, tooBig;
    h.c->submit(queued1.job());
    PreparedEmail big;
    big.email.mime.assign(1001, 'x');
    h.c->submit(tooBig.job({&big}));  // over the byte bound with a job waiting: refused, never kept
    CommitResult r = tooBig.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->status == 503);
    h.c->submit(queued2.job());
    h.c->submit(refused.job());  // a third job: over max_jobs
    r = refused.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->status == 503);
    BOOST_TEST(r.error->code == "unavailable");
    h.release();
    BOOST_TEST(!queued1.get().error);
    BOOST_TEST(!queued2.get().error);
}

BOOST_AUTO_TEST_CASE(stop_finishes_every_job_then_refuses) {
    Held h;
    std::vector<Probe> waiting(10);
    for (auto& p : waiting) h.c->submit(p.job());
    std::thread stopper([&] { h.c->stop(); });
    h.release();
    stopper.join();
    for (auto& p : waiting) BOOST_TEST(!p.get().error);  // submitted before stop: all done
    Probe late;
    h.c->submit(late.job());
    CommitResult r = late.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->code == "shutting_down");
}

BOOST_AUTO_TEST_CASE(after_the_grace_waiting_jobs_are_refused_unstarted) {
    Held h;
    Probe waiting;
    h.c->submit(waiting.job());
    std::thread stopper([&] { h.c->stop(std::chrono::milliseconds(0)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the grace is over before the batch ends
    h.release();
    stopper.join();
    CommitResult r = waiting.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->code == "shutting_down");
}

BOOST_AUTO_TEST_CASE(a_job_past_its_deadline_is_refused_unstarted) {
    test::TempDir d;
    App app(configIn(d));
    SendCommitter c(app);
    Probe late;
    CommitJob job = late.job();
    job.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
    c.submit(std::move(job));
    CommitResult r = late.get();
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->status == 503);
    BOOST_TEST(!r.rate);
}

BOOST_AUTO_TEST_CASE(the_committer_goes_on_while_an_answer_is_written) {
    test::TempDir d;
    App app(configIn(d));
    auto batches = std::make_shared<std::atomic<int>>(0);
    SendCommitter::Options o = oneThread();
    o.before_commit = [batches] { ++*batches; };
    SendCommitter c(app, o);
    auto answering = std::make_shared<std::promise<void>>();
    auto release = std::make_shared<std::promise<void>>();
    CommitJob slow;
    slow.done = [answering, rel = release->get_future().share()](CommitResult&&) {
        answering->set_value();
        rel.wait();  // the answerer is busy with this one
    };
    c.submit(std::move(slow));
    answering->get_future().wait();
    Probe next;
    c.submit(next.job());
    // The next batch is committed meanwhile; its answer waits its turn.
    for (int i = 0; i < 500 && batches->load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(batches->load() == 2);
    BOOST_TEST((next.outcome.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout));
    release->set_value();
    BOOST_TEST(!next.get().error);
}

BOOST_AUTO_TEST_SUITE_END()
