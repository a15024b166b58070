"""v2v-bounce-parser end to end (issue 6): reports travel through the private
Postfix to the v2v-bounce pipe transport and update the right recipient in the
real SQLite database.

  - a real Postfix bounce (the fail sink rejects RCPT with 550 5.1.1);
  - a success DSN and an ARF complaint injected over SMTP to the VERP address
    of an email sent through the API;
  - a report piped while the database is locked: the parser exits 75, Postfix
    defers it, and it is recorded on the retry."""
import json
import os
import re
import sqlite3
import time
import uuid

from conftest import wait_until


def verp(stack, email_id, idx=0):
    return "bounce+%s-%d@bounces.example.test" % (email_id, idx)


def send_one(stack, rcpt):
    """Sends one email through the API and waits until Postfix has it."""
    r = stack.send(to=[rcpt], subject="bounce test " + uuid.uuid4().hex[:8])
    assert r.status == 202, r
    email_id = r.json()["id"]
    wait_until(lambda: stack.query("SELECT status FROM recipients WHERE email_id=? AND idx=0", email_id)[0]["status"]
               not in ("queued", "scheduled"), 30, what="email %s submitted" % email_id)
    return email_id


def success_dsn(email_id, rcpt, marker):
    b = "dsn-" + marker
    return ("From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)\r\n"
            "To: <bounce+%(id)s-0@bounces.example.test>\r\n"
            "Subject: Successful Mail Delivery Report\r\n"
            "Auto-Submitted: auto-replied\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"%(b)s\"\r\n"
            "Message-ID: <%(m)s@mx.remote.test>\r\n\r\n"
            "--%(b)s\r\nContent-Type: text/plain\r\n\r\n"
            "Your message was successfully delivered.\r\n\r\n"
            "--%(b)s\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.remote.test\r\n"
            "Original-Envelope-Id: %(id)s-0\r\n\r\n"
            "Final-Recipient: rfc822; %(rcpt)s\r\n"
            "Action: delivered\r\n"
            "Status: 2.0.0\r\n"
            "Diagnostic-Code: smtp; 250 2.0.0 Ok: queued as %(m)s\r\n\r\n"
            "--%(b)s\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "Message-ID: <%(id)s@example.test>\r\nTo: %(rcpt)s\r\n\r\n"
            "--%(b)s--\r\n") % {"id": email_id, "rcpt": rcpt, "b": b, "m": marker}


def hard_bounce_dsn(email_id, rcpt, marker):
    b = "dsn-" + marker
    return ("From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)\r\n"
            "To: <bounce+%(id)s-0@bounces.example.test>\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"%(b)s\"\r\n"
            "Message-ID: <%(m)s@mx.remote.test>\r\n\r\n"
            "--%(b)s\r\nContent-Type: text/plain\r\n\r\n"
            "This is the mail system at host mx.remote.test.\r\n\r\n"
            "                   The mail system\r\n\r\n"
            "<%(rcpt)s>: host mx.remote.test[192.0.2.1] said: 550 5.1.1 <%(rcpt)s>:\r\n"
            "    Recipient address rejected: User unknown (in reply to RCPT TO command)\r\n\r\n"
            "--%(b)s\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.remote.test\r\n\r\n"
            "Final-Recipient: rfc822; %(rcpt)s\r\n"
            "Action: failed\r\n"
            "Status: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <%(rcpt)s>: Recipient address rejected: User unknown %(m)s\r\n\r\n"
            "--%(b)s--\r\n") % {"id": email_id, "rcpt": rcpt, "b": b, "m": marker}


def arf_report(email_id, rcpt, marker):
    b = "arf-" + marker
    return ("From: Feedback Loop <fbl@isp.remote.test>\r\n"
            "To: <bounce+%(id)s-0@bounces.example.test>\r\n"
            "Subject: Email Feedback Report\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=feedback-report; boundary=\"%(b)s\"\r\n"
            "Message-ID: <%(m)s@isp.remote.test>\r\n\r\n"
            "--%(b)s\r\nContent-Type: text/plain\r\n\r\n"
            "This is an email abuse report for an email message received from IP 127.0.0.1.\r\n\r\n"
            "--%(b)s\r\nContent-Type: message/feedback-report\r\n\r\n"
            "Feedback-Type: abuse\r\nUser-Agent: TestFBL/1.0\r\nVersion: 1\r\n"
            "Original-Rcpt-To: <%(rcpt)s>\r\nSource-IP: 127.0.0.1\r\n\r\n"
            "--%(b)s\r\nContent-Type: message/rfc822\r\n\r\n"
            "From: sender@example.test\r\nTo: %(rcpt)s\r\nSubject: marker %(m)s\r\n"
            "Message-ID: <%(id)s@example.test>\r\n\r\nhello\r\n\r\n"
            "--%(b)s--\r\n") % {"id": email_id, "rcpt": rcpt, "b": b, "m": marker}


def events(stack, email_id, kind):
    return stack.query("SELECT recipient_idx, data FROM events WHERE email_id=? AND type=?", email_id, kind)


def recorded(stack, email_id, marker):
    """bounces rows of this email whose stored report contains the marker."""
    return stack.query("SELECT kind FROM bounces WHERE email_id=? AND instr(CAST(raw AS TEXT), ?) > 0",
                       email_id, marker)


def postfix_log(stack):
    with open(os.path.join(stack.run, "log", "postfix.log"), errors="replace") as f:
        return f.read()


def test_real_postfix_bounce_updates_the_recipient(stack):
    rcpt = "gone-%s@%s" % (uuid.uuid4().hex[:10], stack.fail_domain)
    email_id = send_one(stack, rcpt)
    wait_until(lambda: events(stack, email_id, "bounced"), 60, what="a bounced event for %s" % email_id)
    rec = stack.query("SELECT status, bounce_reason, smtp_status, smtp_code, smtp_response FROM recipients "
                      "WHERE email_id=? AND idx=0", email_id)[0]
    assert rec["status"] == "bounced", rec
    assert rec["bounce_reason"] == "userunknown"
    assert rec["smtp_status"] == "5.1.1" and rec["smtp_code"] == 550
    row = stack.query("SELECT kind, recipient, recipient_idx, reason, hard, length(raw) AS n FROM bounces "
                      "WHERE email_id=? AND kind='bounce'", email_id)[0]
    assert row["recipient"] == rcpt and row["recipient_idx"] == 0 and row["hard"] == 1 and row["n"] > 0
    (ev,) = events(stack, email_id, "bounced")
    assert json.loads(ev["data"])["correlated_by"] == "verp"
    sup = stack.query("SELECT reason, source_email_id FROM suppressions WHERE address=?", rcpt)
    assert sup == [{"reason": "hard_bounce", "source_email_id": email_id}]
    assert stack.query("SELECT status FROM emails WHERE id=?", email_id)[0]["status"] == "bounced"


def test_success_dsn_through_postfix_marks_delivered(stack):
    rcpt = "ok-%s@remote.test" % uuid.uuid4().hex[:10]
    email_id = send_one(stack, rcpt)
    marker = uuid.uuid4().hex[:12]
    stack.smtp_send("", [verp(stack, email_id)], success_dsn(email_id, rcpt, marker))
    found = wait_until(lambda: stack.query("SELECT kind, recipient_idx, action, reason, hard FROM bounces "
                                           "WHERE email_id=? AND diagnostic LIKE ?", email_id, "%" + marker + "%"),
                       60, what="the injected success DSN recorded")
    assert found == [{"kind": "delivery", "recipient_idx": 0, "action": "delivered", "reason": "delivered",
                      "hard": None}]
    rec = wait_until(lambda: stack.query("SELECT status FROM recipients WHERE email_id=? AND idx=0 "
                                         "AND status='delivered'", email_id), 30, what="recipient delivered")
    assert rec
    assert events(stack, email_id, "delivered")
    assert stack.query("SELECT count(*) AS n FROM suppressions WHERE address=?", rcpt)[0]["n"] == 0


def test_arf_complaint_through_postfix_suppresses(stack):
    rcpt = "reader-%s@remote.test" % uuid.uuid4().hex[:10]
    email_id = send_one(stack, rcpt)
    marker = uuid.uuid4().hex[:12]
    stack.smtp_send("", [verp(stack, email_id)], arf_report(email_id, rcpt, marker))
    ev = wait_until(lambda: events(stack, email_id, "complained"), 60, what="a complained event")
    assert ev[0]["recipient_idx"] == 0
    data = json.loads(ev[0]["data"])
    assert data["reason"] == "feedback" and data["feedback_type"] == "abuse"
    sup = stack.query("SELECT reason, source_email_id FROM suppressions WHERE address=?", rcpt)
    assert sup == [{"reason": "complaint", "source_email_id": email_id}]
    # A complaint is not a delivery failure: the recipient keeps its status.
    status = stack.query("SELECT status FROM recipients WHERE email_id=? AND idx=0", email_id)[0]["status"]
    assert status in ("submitted", "delivered")
    assert stack.query("SELECT kind FROM bounces WHERE email_id=? AND kind='complaint'", email_id)


def test_locked_database_defers_and_the_retry_records(stack):
    rcpt = "locked-%s@remote.test" % uuid.uuid4().hex[:10]
    email_id = send_one(stack, rcpt)
    marker = uuid.uuid4().hex[:12]
    address = verp(stack, email_id)
    log_before = len(postfix_log(stack))
    lock = sqlite3.connect(stack.db_path, timeout=30, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        stack.smtp_send("", [address], hard_bounce_dsn(email_id, rcpt, marker))

        def deferred():
            tail = postfix_log(stack)[log_before:]
            return re.search(r"to=<%s>, relay=v2v-bounce, .*dsn=4\.3\.0, status=deferred" % re.escape(address), tail)

        line = wait_until(deferred, 60, what="the pipe delivery deferred (exit 75)")
        assert "temporary failure" in postfix_log(stack)[log_before:][line.start():].split("\n")[0]
        # Nothing was written while the lock was held.
        assert not recorded(stack, email_id, marker)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    stack.postfix_flush()
    wait_until(lambda: recorded(stack, email_id, marker), 60, what="the report recorded on the retry")
    rec = stack.query("SELECT status, bounce_reason FROM recipients WHERE email_id=? AND idx=0", email_id)[0]
    assert rec == {"status": "bounced", "bounce_reason": "userunknown"}
    assert re.search(r"to=<%s>, relay=v2v-bounce, .*status=sent" % re.escape(address),
                     postfix_log(stack)[log_before:])


def run_parser(stack, args, data):
    import subprocess
    return subprocess.run([os.path.join(stack.build, "bounce-parser", "v2v-bounce-parser")] + args, input=data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)


def test_pipe_program_exit_codes(stack, tmp_path):
    golden = os.path.join(os.path.dirname(__file__), "..", "data", "bounce")
    with open(os.path.join(golden, "postfix-userunknown.eml"), "rb") as f:
        report = f.read()
    verp_rcpt = "bounce+01HZX5K2M3N4P5Q6R7S8T9V0WX-0@bounces.example.test"
    # --parse-only: no configuration, no database; the golden output.
    p = run_parser(stack, ["--parse-only"], report)
    with open(os.path.join(golden, "postfix-userunknown.jsonl"), "rb") as f:
        assert p.returncode == 0 and p.stdout == f.read()
    assert run_parser(stack, ["--parse-only"], b"not a message").returncode == 65
    # Bad configuration: EX_CONFIG, the message names the key.
    bad = tmp_path / "bad.yaml"
    bad.write_text("bounce_parser:\n  raw_cap: 10\n")
    p = run_parser(stack, ["-c", str(bad), "", verp_rcpt], report)
    assert p.returncode == 78 and b"bounce_parser.raw_cap: unknown key" in p.stderr
    # ...with a leading 4.3.5 status, which pipe(8) prefers to the exit code: deferred, not bounced.
    assert p.stdout.startswith(b"4.3.5 ")
    # A database that cannot be opened: EX_TEMPFAIL, Postfix keeps the report.
    cfg = tmp_path / "v2v.yaml"
    cfg.write_text("log:\n  level: warning\ndatabase:\n  path: %s/missing-dir/v2v.db\n"
                   "domains:\n  bounce_domain: bounces.example.test\n" % tmp_path)
    assert run_parser(stack, ["-c", str(cfg), "", verp_rcpt], report).returncode == 75
    # Unreadable input is stored, not bounced; the same report twice records once.
    db = tmp_path / "ok.db"
    cfg.write_text("log:\n  level: warning\ndatabase:\n  path: %s\n"
                   "domains:\n  bounce_domain: bounces.example.test\n" % db)
    assert run_parser(stack, ["-c", str(cfg), "", verp_rcpt], b"\x00\x01 garbage").returncode == 0
    assert run_parser(stack, ["-c", str(cfg), "", verp_rcpt], report).returncode == 0
    assert run_parser(stack, ["-c", str(cfg), "", verp_rcpt], report).returncode == 0
    with sqlite3.connect(str(db)) as c:
        kinds = sorted(k for (k,) in c.execute("SELECT kind FROM bounces"))
    assert kinds == ["bounce", "unknown"]
