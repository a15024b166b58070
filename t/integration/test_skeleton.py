"""Walking skeleton (issue 2): every component on one real path."""
import os
import re
import subprocess
import time
import uuid

from conftest import parse_message, wait_until


def test_health_live(stack):
    r = stack.request("GET", "/api/v1/health/live", token=None)
    assert r.status == 200, r
    assert r.json()["status"] == "ok"


def test_health_ready_checks_dependencies(stack):
    r = stack.request("GET", "/api/v1/health/ready", token=None)
    assert r.status == 200, r
    assert r.json()["checks"] == {"sqlite": "ok", "redis": "ok", "postfix": "ok"}


def test_token_endpoint(stack):
    r = stack.request("POST", "/api/v1/auth/token", {"client_id": stack.env["V2V_CLIENT_ID"],
                                                     "client_secret": stack.env["V2V_CLIENT_SECRET"]}, token=None)
    assert r.status == 200, r
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["access_token"].count(".") == 2
    bad = stack.request("POST", "/api/v1/auth/token", {"client_id": stack.env["V2V_CLIENT_ID"],
                                                       "client_secret": "wrong-secret-wrong"}, token=None)
    assert bad.status == 401 and bad.json()["error"]["code"] == "unauthorized"


def test_send_reaches_sink_with_verp_envid_and_message_id(stack):
    r = stack.send(to=["b@remote.test"], subject="skeleton " + uuid.uuid4().hex, text="hello\n.line with dot\n")
    assert r.status == 202, r
    body = r.json()
    email_id, message_id = body["id"], body["message_id"]
    assert body["status"] == "queued"
    assert body["recipients"] == [{"email": "b@remote.test", "status": "queued"}]
    assert message_id == "%s@%s" % (email_id, stack.from_domain)
    (meta, raw), = stack.wait_sink(message_id, timeout=10)
    assert meta["mail_from"] == "bounce+%s-0@bounces.example.test" % email_id
    assert meta["rcpt_to"] == ["b@remote.test"]
    msg = parse_message(raw)
    assert msg["Message-ID"] == "<%s>" % message_id
    assert msg.get_content().replace("\r\n", "\n") == "hello\n.line with dot\n"
    # internal headers never leave: the milter strips X-V2V-*
    assert not [h for h in msg.keys() if h.lower().startswith("x-v2v-")]
    row = wait_until(lambda: stack.query("SELECT status FROM recipients WHERE email_id=?", email_id)[0]["status"]
                     in ("submitted", "delivered"), 10, what="recipient submitted")
    assert row


def test_each_recipient_gets_its_own_transaction(stack):
    r = stack.send(to=["one@remote.test", "two@remote.test"], cc=["three@remote.test"])
    assert r.status == 202, r
    email_id, message_id = r.json()["id"], r.json()["message_id"]
    got = stack.wait_sink(message_id, count=3)
    seen = sorted((m["mail_from"], tuple(m["rcpt_to"])) for m, _ in got)
    assert seen == [("bounce+%s-0@bounces.example.test" % email_id, ("one@remote.test",)),
                    ("bounce+%s-1@bounces.example.test" % email_id, ("two@remote.test",)),
                    ("bounce+%s-2@bounces.example.test" % email_id, ("three@remote.test",))]


def test_send_to_fail_domain_is_bounced(stack):
    # a unique address: an earlier hard bounce suppresses the address for the client
    r = stack.send(to=["nobody-%s@%s" % (uuid.uuid4().hex[:8], stack.fail_domain)])
    assert r.status == 202, r
    email_id = r.json()["id"]
    wait_until(lambda: stack.query("SELECT 1 FROM bounces WHERE email_id=?", email_id), 60,
               what="a bounces row for %s" % email_id)
    rec = stack.query("SELECT status, smtp_status FROM recipients WHERE email_id=? AND idx=0", email_id)[0]
    assert rec["status"] == "bounced"
    assert rec["smtp_status"] == "5.1.1"


def test_sendmail_submission_passes_the_milter(stack):
    marker = uuid.uuid4().hex
    msg = ("From: local@%s\r\nTo: someone@remote.test\r\nSubject: sendmail %s\r\n"
           "X-V2V-Internal: must be stripped\r\n\r\nbody\r\n") % (stack.from_domain, marker)
    env = dict(os.environ, MAIL_CONFIG=os.path.join(stack.run, "postfix"))
    subprocess.run(["/usr/sbin/sendmail", "-f", "local@" + stack.from_domain, "someone@remote.test"],
                   input=msg.encode(), env=env, check=True, timeout=30)

    def delivered():
        for meta, raw in stack.sink_messages():
            if marker.encode() in raw:
                return raw
        return None

    raw = wait_until(delivered, 20, what="sendmail message in the sink")
    assert b"X-V2V-Internal" not in raw
    log = open(os.path.join(stack.run, "log", "milter.log"), errors="replace").read()
    # the milter logs each message with its Postfix queue id
    # Received: by mta.v2v.test (Postfix, from userid 0)\r\n\tid 9DEC651063C; ...
    qid = re.search(rb"by mta\.v2v\.test \(Postfix[^)]*\)\s+(?:with \w+ )?id ([0-9A-F]+)", raw)
    assert qid, raw[:500]
    assert qid.group(1).decode() in log


def run_gateway_check(stack, tmp_path, text):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    return subprocess.run([os.path.join(stack.build, "gateway", "v2v-gateway"), "-c", str(cfg), "--check-config"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)


def test_config_unknown_key_fails_at_start(stack, tmp_path):
    p = run_gateway_check(stack, tmp_path, "gateway:\n  threads: 2\n  tread: 3\n")
    assert p.returncode == 78
    assert "bad.yaml:3: gateway.tread: unknown key" in p.stderr


def test_config_wrong_type_fails_at_start(stack, tmp_path):
    p = run_gateway_check(stack, tmp_path, "redis:\n  port: sixty\n")
    assert p.returncode == 78
    assert "redis.port: must be an integer" in p.stderr
