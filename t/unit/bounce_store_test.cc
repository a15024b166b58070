// Recording reports in a real SQLite file: statuses, events, analytics,
// suppressions, idempotency, and uncorrelated reports.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "correlate.h"
#include "db.h"
#include "parser.h"
#include "store.h"
#include "temp_db.h"

using namespace v2v;
using namespace v2v::bounce;

namespace {
const std::string kDir = std::string(V2V_SRCDIR) + "/t/data/bounce/";
const std::string kId = "01HZX5K2M3N4P5Q6R7S8T9V0WX";

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

struct Fixture : v2v::test::TestDb {
    Fixture() {
        db->execScript(
            "INSERT INTO clients(id, name, secret_hash, created_at, updated_at) VALUES ('c1','Client','x',0,0);");
    }
    void email(const std::string& id, std::vector<std::string> rcpts, const std::string& status = "submitted") {
        db->prepare("INSERT INTO emails(id, client_id, message_id, from_address, status, tags, created_at, updated_at)"
                    " VALUES (?, 'c1', ?, 'shop@example.test', ?, '[\"promo\"]', 0, 0)")
            .bind(1, id).bind(2, id + "@example.test").bind(3, status).exec();
        for (std::size_t i = 0; i < rcpts.size(); ++i)
            db->prepare("INSERT INTO recipients(email_id, idx, address, status, updated_at) VALUES (?,?,?,?,0)")
                .bind(1, id).bind(2, static_cast<int>(i)).bind(3, rcpts[i]).bind(4, status).exec();
    }
    StoreResult store(const std::string& raw, const std::string& pipeRecipient) {
        ParsedReport p = parseReport(raw);
        auto c = correlationCandidates(pipeRecipient, p.hints, VerpKeys{"bounce", "bounces.example.test"});
        StoreOptions o;
        o.rawCapBytes = 100;
        o.now = 1741083302;
        return storeReport(*db, raw, p, c, o);
    }
    std::string one(const std::string& sql) {
        Stmt s = db->prepare(sql);
        return s.step() ? (s.isNull(0) ? "NULL" : s.getText(0)) : "<none>";
    }
};
}  // namespace

BOOST_AUTO_TEST_CASE(hard_bounce_updates_recipient_and_suppresses) {
    Fixture f;
    f.email(kId, {"nobody@remote.example"});
    std::string raw = slurp(kDir + "postfix-userunknown.eml");
    StoreResult r = f.store(raw, "bounce+" + kId + "-0@bounces.example.test");
    BOOST_TEST(r.recorded == 1);
    BOOST_TEST(r.emailId == kId);
    BOOST_TEST(f.one("SELECT status FROM recipients WHERE email_id='" + kId + "'") == "bounced");
    BOOST_TEST(f.one("SELECT bounce_reason FROM recipients") == "userunknown");
    BOOST_TEST(f.one("SELECT smtp_status FROM recipients") == "5.1.1");
    BOOST_TEST(f.one("SELECT smtp_code FROM recipients") == "550");
    BOOST_TEST(f.one("SELECT status FROM emails") == "bounced");
    BOOST_TEST(f.one("SELECT type FROM events") == "bounced");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='bounced_hard' AND tag=''") == "1");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='bounced_hard' AND tag='promo'") == "1");
    BOOST_TEST(f.one("SELECT reason FROM suppressions WHERE address='nobody@remote.example'") == "hard_bounce");
    BOOST_TEST(f.one("SELECT length(raw) FROM bounces") == "100");  // capped
    BOOST_TEST(f.one("SELECT kind || ' ' || hard || ' ' || recipient_idx FROM bounces") == "bounce 1 0");

    // The same report delivered again records nothing more.
    StoreResult again = f.store(raw, "bounce+" + kId + "-0@bounces.example.test");
    BOOST_TEST(again.recorded == 0);
    BOOST_TEST(again.duplicates == 1);
    BOOST_TEST(f.one("SELECT count(*) FROM bounces") == "1");
    BOOST_TEST(f.one("SELECT count(*) FROM events") == "1");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='bounced_hard' AND tag=''") == "1");
}

BOOST_AUTO_TEST_CASE(delay_defers_but_never_reopens_a_final_status) {
    Fixture f;
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0WY";
    f.email(id, {"a@far.example", "b@far.example", "slow@far.example"});
    std::string raw = slurp(kDir + "postfix-delayed.eml");
    f.store(raw, "bounce+" + id + "-2@bounces.example.test");
    BOOST_TEST(f.one("SELECT status FROM recipients WHERE idx=2") == "deferred");
    BOOST_TEST(f.one("SELECT status FROM recipients WHERE idx=0") == "submitted");
    BOOST_TEST(f.one("SELECT type FROM events") == "deferred");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='deferred' AND tag=''") == "1");
    BOOST_TEST(f.one("SELECT count(*) FROM suppressions") == "0");

    Fixture g;
    g.email(id, {"a@far.example", "b@far.example", "slow@far.example"}, "delivered");
    g.store(raw, "bounce+" + id + "-2@bounces.example.test");
    BOOST_TEST(g.one("SELECT status FROM recipients WHERE idx=2") == "delivered");
    BOOST_TEST(g.one("SELECT type FROM events") == "deferred");  // the event is still recorded
}

BOOST_AUTO_TEST_CASE(success_dsn_marks_delivered) {
    Fixture f;
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0WZ";
    f.email(id, {"happy@remote.example"});
    // No pipe recipient: correlated by ENVID.
    f.store(slurp(kDir + "postfix-success.eml"), "");
    BOOST_TEST(f.one("SELECT status FROM recipients") == "delivered");
    BOOST_TEST(f.one("SELECT status FROM emails") == "delivered");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='delivered' AND tag=''") == "1");
    BOOST_TEST(f.one("SELECT json_extract(data, '$.correlated_by') FROM events") == "envid");
}

BOOST_AUTO_TEST_CASE(complaint_suppresses_without_changing_status) {
    Fixture f;
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0X5";
    f.email(id, {"reader@isp.example.net"}, "delivered");
    f.store(slurp(kDir + "arf-abuse.eml"), "abuse-reports@bounces.example.test");
    BOOST_TEST(f.one("SELECT status FROM recipients") == "delivered");
    BOOST_TEST(f.one("SELECT type FROM events") == "complained");
    BOOST_TEST(f.one("SELECT reason FROM suppressions") == "complaint");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='complained' AND tag=''") == "1");
    BOOST_TEST(f.one("SELECT json_extract(data, '$.correlated_by') FROM events") == "return-path");
}

BOOST_AUTO_TEST_CASE(auto_reply_is_an_event_not_a_bounce) {
    Fixture f;
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0X6";
    f.email(id, {"reader@corp.example.com"}, "delivered");
    f.store(slurp(kDir + "autoreply-vacation.eml"), "bounce+" + id + "-0@bounces.example.test");
    BOOST_TEST(f.one("SELECT status FROM recipients") == "delivered");
    BOOST_TEST(f.one("SELECT type FROM events") == "auto_replied");
    BOOST_TEST(f.one("SELECT kind FROM bounces") == "autoreply");
    BOOST_TEST(f.one("SELECT count(*) FROM suppressions") == "0");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='auto_replied' AND tag=''") == "1");
}

BOOST_AUTO_TEST_CASE(soft_bounce_is_not_suppressed) {
    Fixture f;
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0X0";
    f.email(id, {"x@mailbox.example.org", "full@mailbox.example.org"});
    f.store(slurp(kDir + "sendmail-mailboxfull.eml"), "bounce+" + id + "-1@bounces.example.test");
    BOOST_TEST(f.one("SELECT status || ' ' || bounce_reason FROM recipients WHERE idx=1") == "bounced mailboxfull");
    BOOST_TEST(f.one("SELECT count FROM analytics WHERE metric='bounced_soft' AND tag=''") == "1");
    BOOST_TEST(f.one("SELECT count(*) FROM suppressions") == "0");
}

BOOST_AUTO_TEST_CASE(report_for_two_recipients_updates_each_by_address) {
    Fixture f;
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0X3";
    f.email(id, {"alice@corp.example.com", "bob@corp.example.com"});
    f.store(slurp(kDir + "rfc3464-two-recipients.eml"), "bounce+" + id + "-0@bounces.example.test");
    BOOST_TEST(f.one("SELECT bounce_reason FROM recipients WHERE idx=0") == "mailboxfull");
    BOOST_TEST(f.one("SELECT bounce_reason FROM recipients WHERE idx=1") == "spamdetected");
    BOOST_TEST(f.one("SELECT count(*) FROM bounces") == "2");
}

BOOST_AUTO_TEST_CASE(uncorrelated_and_unreadable_reports_are_stored) {
    Fixture f;
    StoreResult r = f.store(slurp(kDir + "gmail-failure.eml"), "bounce+NOTAULID-0@bounces.example.test");
    BOOST_TEST(r.recorded == 1);
    BOOST_TEST(r.emailId.empty());
    BOOST_TEST(f.one("SELECT email_id FROM bounces") == "NULL");
    BOOST_TEST(f.one("SELECT count(*) FROM events") == "0");

    StoreResult junk = f.store("this is not a mail message", "bounce+x@bounces.example.test");
    BOOST_TEST(junk.recorded == 1);
    BOOST_TEST(f.one("SELECT kind FROM bounces WHERE recipient=''") == "unknown");
}

BOOST_AUTO_TEST_CASE(digest_is_sha256) {
    BOOST_TEST(reportDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
