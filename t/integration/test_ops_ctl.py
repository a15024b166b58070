"""v2vctl against the running stack (issue 7): tokens without HTTP,
suppression import/export, dead-letter replay, stats, DKIM key generation
and rotation that v2v-milter signs with, --help on every command, exit codes."""
import csv
import email
import io
import json
import os
import re
import uuid

import dkim
import pytest

from conftest import make_client, wait_until
from ops_util import ctl, ctl_json
from test_milter_dkim import milter_sighup


def test_every_command_has_help(stack):
    top = ctl(stack, "--help").stdout
    cmds = re.findall(r"^  (\S+) (\S+)", top, re.M)
    assert len(cmds) >= 25
    for group, name in cmds:
        p = ctl(stack, group, name, "--help")
        assert p.stdout.startswith("usage: v2vctl %s %s" % (group, name)), (group, name)
    assert ctl(stack, "nope", "nothing", check=False).returncode == 64
    assert ctl(stack, "dlq", "list", "--bogus", check=False).returncode == 64


def test_client_token_is_accepted_by_the_gateway(stack):
    cid = "ctl-tok-" + uuid.uuid4().hex[:8]
    make_client(stack, cid, scopes="send read")
    token = ctl(stack, "client", "token", cid).stdout.strip()
    assert stack.request("GET", "/api/v1/suppressions", token=token).status == 200
    j = ctl_json(stack, "client", "token", cid, "--scopes", "read", "--ttl", "120")
    assert j["token_type"] == "Bearer" and j["expires_in"] == 120
    body = {"from": "t@" + stack.from_domain, "to": ["t@remote.test"], "subject": "s", "text": "t"}
    assert stack.request("POST", "/api/v1/email/send", body, token=j["access_token"]).status == 403
    assert ctl(stack, "client", "token", cid, "--scopes", "admin", check=False).returncode == 64
    assert ctl(stack, "client", "token", "no-such-" + cid, check=False).returncode == 69
    ctl(stack, "client", "modify", cid, "--disable")
    assert ctl(stack, "client", "token", cid, check=False).returncode == 65
    # the gateway keeps a client for one second: the change applies within it
    wait_until(lambda: stack.request("GET", "/api/v1/suppressions", token=token).status == 401, 3,
               what="401 for the disabled client's token")


def test_suppression_import_export_round_trip(stack):
    cid = "ctl-sup-" + uuid.uuid4().hex[:8]
    token = make_client(stack, cid, scopes="send read")
    good = ("email,reason,source_email_id,created_at\r\n"
            "Ann@Example.TEST,unsubscribed,,2026-01-02T03:04:05Z\r\n"
            "\"bob,the@example.test\",manual,,\r\n"
            "carol@example.test\r\n")
    p = ctl(stack, "suppression", "import", cid, "-", input=good, check=False)
    assert p.returncode == 65 and "line 3" in p.stderr  # "bob,the@..." is not an address
    assert stack.request("GET", "/api/v1/suppressions", token=token).json()["suppressions"] == []
    p = ctl(stack, "--json", "suppression", "import", cid, "-", "--skip-invalid", input=good)
    assert json.loads(p.stdout) == {"read": 2, "added": 2, "invalid": 1}
    listed = stack.request("GET", "/api/v1/suppressions", token=token).json()["suppressions"]
    assert [(s["email"], s["reason"]) for s in listed] == [("ann@example.test", "unsubscribed"),
                                                           ("carol@example.test", "manual")]
    assert listed[0]["created_at"] == "2026-01-02T03:04:05Z"
    exported = ctl(stack, "suppression", "export", cid).stdout
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["email", "reason", "source_email_id", "created_at"]
    assert [r[:2] for r in rows[1:]] == [["ann@example.test", "unsubscribed"], ["carol@example.test", "manual"]]
    # The export imports into another client unchanged.
    other = "ctl-sup2-" + uuid.uuid4().hex[:8]
    make_client(stack, other)
    ctl(stack, "suppression", "import", other, "-", input=exported)
    assert ctl(stack, "suppression", "export", other).stdout == exported
    ctl(stack, "suppression", "remove", cid, "ANN@example.test")
    assert ctl(stack, "suppression", "remove", cid, "ann@example.test", check=False).returncode == 69
    assert ctl(stack, "suppression", "list", "no-such-client-x", check=False).returncode == 69


def dead_letters_of(stack, email_id):
    return [d for d in ctl_json(stack, "dlq", "list") if d["email_id"] == email_id]


def test_dead_letter_replay_requeues_the_failed_recipient(stack):
    token = make_client(stack, "ctl-dlq-" + uuid.uuid4().hex[:8])
    body = {"from": "d@" + stack.from_domain, "to": ["ok-%s@remote.test" % uuid.uuid4().hex[:6], "x@defer.test"],
            "subject": "dlq", "text": "x"}
    r = stack.request("POST", "/api/v1/email/send", body, token=token)
    assert r.status == 202, r
    eid = r.json()["id"]
    # defer.test is deferred by the dev Postfix: gateway.max_attempts later it is a dead letter.
    entry, = wait_until(lambda: dead_letters_of(stack, eid), 90, what="dead letter of %s" % eid)
    assert entry["recipient_index"] == 1 and "450" in entry["reason"]
    status = lambda: {x["idx"]: (x["status"], x["attempts"]) for x in
                      stack.query("SELECT idx, status, attempts FROM recipients WHERE email_id = ?", eid)}
    assert status()[1][0] == "failed"
    replayed = ctl_json(stack, "dlq", "replay", entry["entry_id"])
    assert replayed[0]["requeued_recipients"] == 1
    assert not [d for d in dead_letters_of(stack, eid) if d["entry_id"] == entry["entry_id"]]
    assert status()[0][0] in ("submitted", "delivered")  # the delivered recipient is untouched
    # Re-queued and injected again: attempts start over and it dies once more.
    again = wait_until(lambda: [d for d in dead_letters_of(stack, eid) if d["entry_id"] != entry["entry_id"]], 90,
                       what="second dead letter of %s" % eid)
    assert status()[1] == ("failed", 3)
    dropped = ctl_json(stack, "dlq", "drop", again[0]["entry_id"])
    assert dropped[0]["email_id"] == eid
    assert not dead_letters_of(stack, eid)
    assert ctl(stack, "dlq", "replay", "1-1", check=False).returncode == 69
    assert ctl(stack, "dlq", "replay", check=False).returncode == 64


def test_stats_count_a_clients_mail(stack):
    cid = "ctl-stats-" + uuid.uuid4().hex[:8]
    token = make_client(stack, cid)
    for _ in range(2):
        body = {"from": "s@" + stack.from_domain, "to": ["s-%s@remote.test" % uuid.uuid4().hex[:6]],
                "subject": "stats", "text": "x"}
        assert stack.request("POST", "/api/v1/email/send", body, token=token).status == 202
    j = wait_until(lambda: (lambda s: s if s["total"].get("sent") == 2 else None)(
        ctl_json(stack, "stats", "show", "--client", cid, "--days", "1")), 30, what="stats of " + cid)
    assert set(j["queue"]) == {"inject", "scheduled", "dead_letter", "pending"}
    assert 0 <= j["rates"]["bounce_rate"] <= 1
    text = ctl(stack, "stats", "show", "--client", cid).stdout
    assert "total" in text and "bounce rate" in text


def signatures(raw):
    """(d, s) of every DKIM-Signature of a raw message, in order."""
    out = []
    for v in email.message_from_bytes(raw).get_all("DKIM-Signature", []):
        tags = dict(t.split("=", 1) for t in re.sub(r"\s+", "", str(v)).split(";") if "=" in t)
        out.append((tags["d"], tags["s"]))
    return out


def send_signed(stack, domain):
    msgid = "rot-%s@%s" % (uuid.uuid4().hex, domain)
    data = ("From: Rotator <news@%s>\r\nTo: rot@remote.test\r\nSubject: rotation\r\nMessage-ID: <%s>\r\n"
            "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nSigned with the key table.\r\n" % (domain, msgid))
    stack.smtp_send("news@" + domain, ["rot@remote.test"], data)
    (meta, raw), = stack.wait_sink(msgid, timeout=30)
    return raw


def verify(raw, records):
    def dns(name, timeout=5):
        return records.get(name.decode().rstrip(".")).encode() if name.decode().rstrip(".") in records else None
    d = dkim.DKIM(raw)
    count = len(signatures(raw))
    return [d.verify(idx=i, dnsfunc=dns) for i in range(count)]


def test_dkim_generate_rotate_and_retire_with_the_milter(stack):
    domain = "rot-%s.test" % uuid.uuid4().hex[:8]
    records = {}
    try:
        g = ctl_json(stack, "dkim", "generate", domain, "s1")
        records[g["dns_name"]] = g["dns_txt"]
        assert g["dns_txt"].startswith("v=DKIM1; k=rsa; p=MIIB")
        key = os.stat(g["key_file"])
        assert oct(key.st_mode & 0o777) == "0o640"
        milter_sighup(stack, b"reloaded:")
        raw = send_signed(stack, domain)
        assert (domain, "s1") in signatures(raw)
        assert all(verify(raw, records))

        r = ctl_json(stack, "dkim", "rotate", domain, "s2", "--algorithm", "rsa", "--overlap-days", "3")
        records[r["dns_name"]] = r["dns_txt"]
        assert r["retiring"] == ["s1"]
        listed = {(k["selector"], k["active"]) for k in ctl_json(stack, "dkim", "list") if k["domain"] == domain}
        assert listed == {("s1", True), ("s2", True)}
        milter_sighup(stack, b"reloaded:")
        raw = send_signed(stack, domain)
        assert {s for d, s in signatures(raw) if d == domain} == {"s1", "s2"}  # the overlap
        assert all(verify(raw, records))

        ctl(stack, "dkim", "retire", domain, "s1", "--now")
        milter_sighup(stack, b"reloaded:")
        raw = send_signed(stack, domain)
        assert [s for d, s in signatures(raw) if d == domain] == ["s2"]
        assert all(verify(raw, records))
        assert [k["selector"] for k in ctl_json(stack, "dkim", "record", domain)] == ["s2"]
    finally:
        for sel in ("s1", "s2"):
            ctl(stack, "dkim", "retire", domain, sel, "--now", check=False)
        ctl(stack, "dkim", "prune", "--delete-keys", check=False)
        milter_sighup(stack, b"reloaded:")
    assert not [k for k in ctl_json(stack, "dkim", "list") if k["domain"] == domain]
