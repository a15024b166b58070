"""Send API (issue 3): every field, error codes, header injection, MIME validity,
attachments round trip, rate limits, idempotency, scheduling, injector outcomes."""
import base64
import concurrent.futures
import json
import os
import socket
import subprocess
import time
import uuid

import pytest

from conftest import make_client, parse_message, redis_cli, wait_until

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_every_field_round_trips_through_an_independent_mime_parser(stack):
    pdf = os.urandom(5000)
    r = stack.send(**{
        "from": {"email": "news@" + stack.from_domain, "name": "Zoë, News"},
        "to": ["Ann Example <ann@remote.test>"],
        "cc": [{"email": "cc@remote.test", "name": "Çé"}],
        "bcc": ["secret@remote.test"],
        "reply_to": "replies@" + stack.from_domain,
        "subject": "Grüße — every field " + uuid.uuid4().hex,
        "text": "plain ü\n" + "long " * 400 + "\n",
        "html": "<html><body><p>Hi <b>ü</b><img src=\"cid:logo\"></p></body></html>",
        "attachments": [
            {"filename": "logo.png", "content_type": "image/png", "content": base64.b64encode(PNG).decode(),
             "inline": True, "content_id": "logo"},
            {"filename": "rapport été.pdf", "content_type": "application/pdf",
             "content": base64.b64encode(pdf).decode()},
        ],
        "headers": {"X-Campaign": "fall", "List-Id": "<news.example.test>"},
        "tags": ["welcome", "fall-2026"],
        "metadata": {"user_id": 42},
    })
    assert r.status == 202, r
    body = r.json()
    assert [x["email"] for x in body["recipients"]] == ["ann@remote.test", "cc@remote.test", "secret@remote.test"]
    got = stack.wait_sink(body["message_id"], count=3)
    for meta, raw in got:
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        assert all(b < 0x80 for b in raw), "message must be 7-bit clean"
        msg = parse_message(raw)
        assert msg.defects == [] and all(not p.defects for p in msg.walk())
        assert msg["Subject"].startswith("Grüße — every field")
        assert str(msg["From"]) == '"Zoë, News" <news@%s>' % stack.from_domain
        assert msg["Reply-To"] == "replies@" + stack.from_domain
        assert msg["X-Campaign"] == "fall"
        # Bcc never appears in the headers (Postfix's Received: "for <rcpt>" names only the envelope recipient)
        assert msg["Bcc"] is None
        assert "secret" not in str(msg["To"]) + str(msg["Cc"])
        assert msg.get_content_type() == "multipart/mixed"
        types = [p.get_content_type() for p in msg.walk()]
        assert types == ["multipart/mixed", "multipart/related", "multipart/alternative", "text/plain",
                         "text/html", "image/png", "application/pdf"]
        parts = {p.get_filename(): p for p in msg.walk() if p.get_filename()}
        assert parts["logo.png"].get_payload(decode=True) == PNG
        assert parts["logo.png"]["Content-ID"] == "<logo>"
        assert parts["rapport été.pdf"].get_payload(decode=True) == pdf
        assert msg.get_body(("plain",)).get_content().startswith("plain ü")


@pytest.mark.parametrize("field,payload,status", [
    ("subject", {"subject": "a\r\nBcc: victim@remote.test"}, 422),
    ("to[0]", {"to": ["x@remote.test\r\nBcc: victim@remote.test"]}, 422),
    ("headers.X-Evil", {"headers": {"X-Evil": "a\nBcc: victim@remote.test"}}, 422),
    ("headers.Bcc", {"headers": {"Bcc": "victim@remote.test"}}, 422),
    ("headers.DKIM-Signature", {"headers": {"DKIM-Signature": "v=1"}}, 422),
    ("from", {"from": "a@b"}, 422),
    ("to", {"to": []}, 422),
    ("send_at", {"send_at": "next tuesday"}, 422),
    ("attachments[0].content", {"attachments": [{"filename": "a.txt", "content": "***"}]}, 422),
    ("nonsense", {"nonsense": 1}, 422),
])
def test_invalid_fields_name_the_field(stack, field, payload, status):
    body = {"from": "a@" + stack.from_domain, "to": ["b@remote.test"], "subject": "s", "text": "t"}
    body.update(payload)
    r = stack.request("POST", "/api/v1/email/send", body)
    assert r.status == status, r
    err = r.json()["error"]
    assert err["field"] == field and err["code"] and err["message"]


def test_malformed_and_auth_errors(stack):
    assert stack.request("POST", "/api/v1/email/send", raw=b"{not json").status == 400
    r = stack.request("POST", "/api/v1/email/send", raw=b"{}", token=None)
    assert r.status == 401 and r.json()["error"]["code"] == "unauthorized"
    assert stack.request("POST", "/api/v1/email/send", raw=b"{}", token="not.a.jwt").status == 401
    r = stack.send(to=["b@remote.test"], **{"from": "a@not-ours.test"})
    assert r.status == 403 and r.json()["error"]["field"] == "from"
    assert stack.request("GET", "/api/v1/nope", token=None).status == 404


def test_wrong_scope_is_403(stack):
    token = make_client(stack, "readonly-" + uuid.uuid4().hex[:8], scopes="read")
    r = stack.request("POST", "/api/v1/email/send", {"from": "a@" + stack.from_domain, "to": ["b@remote.test"],
                                                     "subject": "s", "text": "t"}, token=token)
    assert r.status == 403 and r.json()["error"]["code"] == "forbidden"


def test_too_large_is_413(stack):
    token = make_client(stack, "small-" + uuid.uuid4().hex[:8], extra=("--max-bytes", "2048", "--max-recipients", "2"))
    body = {"from": "a@" + stack.from_domain, "to": ["b@remote.test"], "subject": "s", "text": "x" * 5000}
    r = stack.request("POST", "/api/v1/email/send", body, token=token)
    assert r.status == 413 and r.json()["error"]["code"] == "message_too_large"
    body = {"from": "a@" + stack.from_domain, "to": ["a@remote.test", "b@remote.test", "c@remote.test"],
            "subject": "s", "text": "t"}
    r = stack.request("POST", "/api/v1/email/send", body, token=token)
    assert r.status == 413 and r.json()["error"]["code"] == "too_many_recipients"


def test_rate_limit_429_with_headers(stack):
    token = make_client(stack, "slow-" + uuid.uuid4().hex[:8], rate=0.2, burst=3)
    body = {"from": "a@" + stack.from_domain, "to": ["b@remote.test"], "subject": "s", "text": "t"}
    statuses = []
    for _ in range(4):
        r = stack.request("POST", "/api/v1/email/send", body, token=token)
        statuses.append(r.status)
        assert r.headers["X-RateLimit-Limit"] == "3"
        assert "X-RateLimit-Remaining" in r.headers and "X-RateLimit-Reset" in r.headers
    assert statuses == [202, 202, 202, 429]
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"


def test_concurrent_sends_each_get_their_own_answer(stack):
    # Requests arriving together are rate-checked, committed and queued as one
    # batch; each must still get its own answer: its email, or its own error.
    token = make_client(stack, "many-" + uuid.uuid4().hex[:8], rate=100000, burst=100000)
    tag = uuid.uuid4().hex[:8]

    def one(i):
        body = {"from": "a@" + stack.from_domain, "to": ["c-%s-%d@remote.test" % (tag, i)],
                "subject": "concurrent %d" % i, "text": "t"}
        if i % 4 == 3:
            del body["text"]  # a bad request in the same batch
        return i, stack.request("POST", "/api/v1/email/send", body, token=token)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(64)))
    ids = set()
    for i, r in results:
        if i % 4 == 3:
            assert r.status == 422 and r.json()["error"]["field"] == "text", (i, r)
            continue
        assert r.status == 202, (i, r)
        assert r.json()["recipients"] == [{"email": "c-%s-%d@remote.test" % (tag, i), "status": "queued"}]
        ids.add(r.json()["id"])
        rows = stack.query("SELECT subject FROM emails WHERE id=?", r.json()["id"])
        assert rows == [{"subject": "concurrent %d" % i}], (i, rows)
    assert len(ids) == 48


def test_rate_limit_is_exact_under_concurrency(stack):
    client = "burst-" + uuid.uuid4().hex[:8]
    token = make_client(stack, client, rate=0.01, burst=10)
    body = {"from": "a@" + stack.from_domain, "to": ["b@remote.test"], "subject": "s", "text": "t"}
    with concurrent.futures.ThreadPoolExecutor(15) as pool:
        results = list(pool.map(lambda _: stack.request("POST", "/api/v1/email/send", body, token=token), range(30)))
    statuses = sorted(r.status for r in results)
    assert statuses == [202] * 10 + [429] * 20, statuses
    # every answer carries its own decision: the ten granted saw 9, 8, ... 0 tokens left
    assert sorted(int(r.headers["X-RateLimit-Remaining"]) for r in results if r.status == 202) == list(range(10))
    assert all(int(r.headers["Retry-After"]) >= 1 for r in results if r.status == 429)
    # A batch's rows are written while Redis decides; the refused ones are
    # taken out again before the commit: only the ten granted are stored.
    stored = stack.query("SELECT id FROM emails WHERE client_id = ?", client)
    assert sorted(row["id"] for row in stored) == sorted(r.json()["id"] for r in results if r.status == 202)


def test_idempotency_key(stack):
    key = uuid.uuid4().hex
    body = {"from": "a@" + stack.from_domain, "to": ["idem@remote.test"], "subject": "idem " + key, "text": "t"}
    first = stack.request("POST", "/api/v1/email/send", body, headers={"Idempotency-Key": key})
    again = stack.request("POST", "/api/v1/email/send", body, headers={"Idempotency-Key": key})
    assert first.status == again.status == 202
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = dict(body, subject="different")
    r = stack.request("POST", "/api/v1/email/send", other, headers={"Idempotency-Key": key})
    assert r.status == 409 and r.json()["error"]["code"] == "idempotency_conflict"
    stack.wait_sink(first.json()["message_id"])
    time.sleep(1)
    assert len(stack.query("SELECT id FROM emails WHERE subject = ?", "idem " + key)) == 1


def test_scheduled_send_waits(stack):
    due = time.time() + 6
    send_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due + 1))
    r = stack.send(to=["later@remote.test"], send_at=send_at)
    assert r.status == 202, r
    body = r.json()
    assert body["status"] == "scheduled"
    time.sleep(2)
    assert not [1 for _, raw in stack.sink_messages() if body["message_id"].encode() in raw]
    stack.wait_sink(body["message_id"], timeout=20)
    assert time.time() >= due


def test_suppressed_recipient_is_never_submitted(stack):
    addr = "suppressed-%s@remote.test" % uuid.uuid4().hex[:8]
    with_db = subprocess.run(["sqlite3", stack.db_path,
                              "INSERT INTO suppressions(client_id,address,reason,created_at) "
                              "VALUES('demo','%s','manual',strftime('%%s','now'))" % addr], check=True)
    assert with_db.returncode == 0
    r = stack.send(to=[addr, "ok@remote.test"])
    assert r.status == 202
    statuses = {x["email"]: x["status"] for x in r.json()["recipients"]}
    assert statuses == {addr: "suppressed", "ok@remote.test": "queued"}
    stack.wait_sink(r.json()["message_id"])
    time.sleep(1)
    assert not [m for m, _ in stack.sink_messages() if addr in m["rcpt_to"]]


def test_injector_5xx_fails_recipient_with_reply(stack):
    r = stack.send(to=["x@refuse.test"])
    assert r.status == 202
    eid = r.json()["id"]
    row = wait_until(lambda: [x for x in stack.query("SELECT * FROM recipients WHERE email_id=?", eid)
                              if x["status"] == "failed"], 15, what="recipient failed")[0]
    assert row["smtp_code"] == 550 and row["smtp_status"] == "5.7.1"
    assert "refused by the dev stack" in row["smtp_response"]


def test_injector_4xx_retries_then_dead_letters(stack):
    dead_before = redis_cli(stack, "XLEN", "v2v:dead")
    r = stack.send(to=["x@defer.test"])
    assert r.status == 202
    eid = r.json()["id"]
    wait_until(lambda: stack.query("SELECT status FROM recipients WHERE email_id=?", eid)[0]["status"] == "deferred",
               10, what="deferred")
    # dev stack: retry_base_seconds 2, max_attempts 3 → failed after ~2 + 4 s (+ jitter, + 1 s scheduler tick)
    row = wait_until(lambda: [x for x in stack.query("SELECT * FROM recipients WHERE email_id=?", eid)
                              if x["status"] == "failed"], 40, what="failed after retries")[0]
    assert row["attempts"] == 3 and row["smtp_code"] == 450
    events = [e["type"] for e in stack.query("SELECT type FROM events WHERE email_id=? ORDER BY id", eid)]
    assert events == ["deferred", "deferred", "failed"]
    assert int(redis_cli(stack, "XLEN", "v2v:dead")) == int(dead_before) + 1



def _raw_exchange(stack, requests, read=True, then=None):
    """Sends raw HTTP requests on one connection; returns the answers (status
    line, headers, body). `then(sock, leftover)` runs before it is closed."""
    host, port = stack.url.split("//", 1)[1].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=15)
    answers = []
    buf = b""
    try:
        for req in requests:
            s.sendall(req)
            if not read:
                continue
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(65536)
                assert chunk, "connection closed before the answer's head"
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            headers = {k.lower(): v for k, v in (l.split(": ", 1) for l in lines[1:])}
            n = int(headers["content-length"])
            while len(buf) < n:
                chunk = s.recv(65536)
                assert chunk, "connection closed inside the body"
                buf += chunk
            answers.append((lines[0], headers, buf[:n]))
            buf = buf[n:]
        if then:
            then(s, buf)
    finally:
        s.close()
    return answers


def _raw_send(stack, version, subject, extra=""):
    body = json.dumps({"from": "a@" + stack.from_domain, "to": ["raw@remote.test"], "subject": subject,
                       "text": "t"}).encode()
    return (("POST /api/v1/email/send %s\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: %d\r\n%s\r\n")
            % (version, stack.token, len(body), extra)).encode() + body


def test_deferred_answers_are_whole_http_messages_on_a_kept_connection(stack):
    # The send route's answer is written by the committer thread straight to
    # the socket: each must be a complete message, in order, on a kept
    # connection, in the request's HTTP version, with the rate-limit headers.
    tag = uuid.uuid4().hex[:8]
    answers = _raw_exchange(stack, [_raw_send(stack, "HTTP/1.1", "keep-%s-%d" % (tag, i)) for i in range(3)])
    assert len(answers) == 3
    for i, (status, headers, body) in enumerate(answers):
        assert status == "HTTP/1.1 202 Accepted", status
        assert headers["content-type"] == "application/json"
        assert headers["connection"].lower() == "keep-alive"
        assert "x-ratelimit-limit" in headers and "x-ratelimit-remaining" in headers
        got = json.loads(body)
        rows = stack.query("SELECT subject FROM emails WHERE id=?", got["id"])
        assert rows == [{"subject": "keep-%s-%d" % (tag, i)}]
    [(status, headers, body)] = _raw_exchange(stack, [_raw_send(stack, "HTTP/1.0", "old-" + tag)])
    assert status == "HTTP/1.0 202 Accepted", status
    assert json.loads(body)["status"] == "queued"


def test_a_client_that_leaves_before_its_answer_harms_no_one(stack):
    # Its answer goes nowhere (no SIGPIPE, no error), its email is still
    # stored, and the next client, likely on the same descriptor number, gets
    # its own answer. (The race where a descriptor is reused before an answer
    # is written cannot be forced from here; the duplicate descriptor is why
    # it cannot happen.)
    tag = uuid.uuid4().hex[:8]
    for i in range(20):
        _raw_exchange(stack, [_raw_send(stack, "HTTP/1.1", "gone-%s-%d" % (tag, i))], read=False)
        [(status, _, body)] = _raw_exchange(stack, [_raw_send(stack, "HTTP/1.1", "stay-%s-%d" % (tag, i))])
        assert status == "HTTP/1.1 202 Accepted"
        rows = stack.query("SELECT subject FROM emails WHERE id=?", json.loads(body)["id"])
        assert rows == [{"subject": "stay-%s-%d" % (tag, i)}], i
    wait_until(lambda: len(stack.query("SELECT id FROM emails WHERE subject LIKE ?", "gone-%s-%%" % tag)) == 20,
               what="the emails of the clients that left are stored")


def test_a_kept_connection_stays_quiet_after_a_send(stack):
    # Pistache sends 408 on a connection it thinks is still busy once the
    # header timeout (gateway.header_timeout_ms, 10 s by default) passes; an
    # idle one is closed quietly after the keep-alive timeout (60 s). After a
    # send's answer the connection is idle: nothing may follow the answer.
    def quiet(sock, leftover):
        assert leftover == b""
        sock.settimeout(11.5)
        try:
            extra = sock.recv(4096)
        except socket.timeout:
            extra = None
        assert extra is None, "bytes after the answer: %r" % extra[:200]

    [(status, _, _)] = _raw_exchange(stack, [_raw_send(stack, "HTTP/1.1", "quiet")], then=quiet)
    assert status == "HTTP/1.1 202 Accepted"
