"""POST /api/v1/email/batch (issue 3): up to 500 messages, one result each
(the 202 body or the error with its field prefixed messages[i].), rate limit
and idempotency over the whole batch, and every error code."""
import uuid

import pytest

from conftest import parse_message, wait_until
from conftest import make_client


@pytest.fixture(scope="module")
def tok(stack):
    return make_client(stack, "batch-" + uuid.uuid4().hex[:8], scopes="send templates read", rate=1000, burst=1000)


def msg(stack, **fields):
    m = {"from": "app@" + stack.from_domain, "to": ["b-%s@remote.test" % uuid.uuid4().hex[:8]],
         "subject": "batch " + uuid.uuid4().hex, "text": "t"}
    m.update(fields)
    return m


def batch(stack, tok, messages, **kw):
    return stack.request("POST", "/api/v1/email/batch", {"messages": messages}, token=tok, **kw)


def test_mixed_batch_gives_one_result_per_message(stack, tok):
    tname = "batch-" + uuid.uuid4().hex[:8]
    assert stack.request("POST", "/api/v1/templates", {"name": tname, "subject": "T {{n}}", "html": "<i>{{n}}</i>"},
                         token=tok).status == 201
    messages = [
        msg(stack),
        msg(stack, to=["not an address"]),
        {"from": "app@" + stack.from_domain, "to": ["tpl-%s@remote.test" % uuid.uuid4().hex[:6]], "template": tname,
         "variables": {"n": "<7>"}},
        msg(stack, **{"from": "app@not-ours.test"}),
        "not an object",
        msg(stack, headers={"X-Evil": "a\r\nBcc: victim@remote.test"}),
        msg(stack, template="no-such-template", subject=None, text=None),
    ]
    del messages[6]["subject"], messages[6]["text"]
    r = batch(stack, tok, messages)
    assert r.status == 200, r
    body = r.json()
    assert body["accepted"] == 2 and body["rejected"] == 5
    res = body["results"]
    assert [x["index"] for x in res] == list(range(7))
    assert [x["http_status"] for x in res] == [202, 422, 202, 403, 422, 422, 422]
    assert res[0]["status"] == "queued" and res[0]["recipients"][0]["status"] == "queued"
    assert {x["error"]["field"] for x in res if "error" in x} == {
        "messages[1].to[0]", "messages[3].from", "messages[4]", "messages[5].headers.X-Evil", "messages[6].template"}
    assert res[3]["error"]["code"] == "from_domain_not_allowed"
    # the accepted ones are delivered, the rejected ones are not stored
    (_, raw0), = stack.wait_sink(res[0]["message_id"])
    assert parse_message(raw0)["Subject"] == messages[0]["subject"]
    (_, raw2), = stack.wait_sink(res[2]["message_id"])
    assert "<i>&lt;7&gt;</i>" in parse_message(raw2).get_body(("html",)).get_content()
    got = stack.request("GET", "/api/v1/email/" + res[2]["id"], token=tok).json()
    assert got["template"] == {"name": tname, "version": 1}
    assert stack.query("SELECT count(*) AS n FROM emails WHERE subject IN (?, ?)",
                       messages[1]["subject"], messages[5]["subject"]) == [{"n": 0}]


def test_500_messages(stack, tok):
    tag = "b500-" + uuid.uuid4().hex[:8]
    messages = [msg(stack, to=["m%d-%s@remote.test" % (i, tag)], tags=[tag]) for i in range(500)]
    r = batch(stack, tok, messages)
    assert r.status == 200, r
    body = r.json()
    assert body["accepted"] == 500 and body["rejected"] == 0
    ids = [x["id"] for x in body["results"]]
    assert len(set(ids)) == 500
    assert stack.query("SELECT count(*) AS n FROM emails WHERE tags LIKE ?", '%' + tag + '%') == [{"n": 500}]

    def all_submitted():
        rows = stack.query("SELECT count(*) AS n FROM recipients r JOIN emails e ON e.id = r.email_id "
                           "WHERE e.tags LIKE ? AND r.status IN ('submitted', 'delivered')", '%' + tag + '%')
        return rows[0]["n"] == 500

    wait_until(all_submitted, 120, interval=1, what="500 batch messages submitted")


def test_too_many_messages_is_413_and_nothing_is_queued(stack, tok):
    tag = "b501-" + uuid.uuid4().hex[:8]
    r = batch(stack, tok, [msg(stack, tags=[tag]) for _ in range(501)])
    assert r.status == 413, r
    err = r.json()["error"]
    assert err["code"] == "too_many_messages" and err["field"] == "messages" and "500" in err["message"]
    assert stack.query("SELECT count(*) AS n FROM emails WHERE tags LIKE ?", '%' + tag + '%') == [{"n": 0}]
    # a client whose burst is smaller than the batch: told so, instead of a 429 that could never clear
    small = make_client(stack, "batch-small-" + uuid.uuid4().hex[:8], rate=1, burst=5)
    r = batch(stack, small, [msg(stack) for _ in range(6)])
    assert r.status == 413 and "at most 5" in r.json()["error"]["message"], r


def test_rate_limit_counts_every_message(stack):
    slow = make_client(stack, "batch-slow-" + uuid.uuid4().hex[:8], rate=0.1, burst=10)
    r = batch(stack, slow, [msg(stack) for _ in range(8)])
    assert r.status == 200 and r.json()["accepted"] == 8, r
    assert r.headers["X-RateLimit-Remaining"] == "2"
    r = batch(stack, slow, [msg(stack) for _ in range(3)])
    assert r.status == 429 and int(r.headers["Retry-After"]) >= 1, r
    assert r.json()["error"]["code"] == "rate_limited"


def test_idempotent_batch(stack, tok):
    messages = [msg(stack), msg(stack)]
    key = {"Idempotency-Key": "batch-" + uuid.uuid4().hex}
    first = batch(stack, tok, messages, headers=key)
    second = batch(stack, tok, messages, headers=key)
    assert first.status == 200 and second.status == 200
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    for res in first.json()["results"]:
        stack.wait_sink(res["message_id"])
    subjects = [m["subject"] for m in messages]
    rows = stack.query("SELECT count(*) AS n FROM emails WHERE subject IN (?, ?)", *subjects)
    assert rows == [{"n": 2}], "a replayed batch must not queue its messages again"
    other = batch(stack, tok, [msg(stack)], headers=key)
    assert other.status == 409 and other.json()["error"]["code"] == "idempotency_conflict"


def test_error_codes(stack, tok):
    one = [msg(stack)]
    # 400
    r = stack.request("POST", "/api/v1/email/batch", raw=b"{not json", token=tok)
    assert r.status == 400 and r.json()["error"]["code"] == "malformed"
    assert stack.request("POST", "/api/v1/email/batch", one, token=tok).status == 400  # a bare array
    # a body nested a million levels deep is refused, and the gateway lives on
    deep = b'{"messages":[{"variables":{"v":' + b"[" * 1000000 + b"]" * 1000000 + b"}}]}"
    r = stack.request("POST", "/api/v1/email/batch", raw=deep, token=tok)
    assert r.status == 400 and "deeper" in r.json()["error"]["message"], r
    assert stack.request("GET", "/api/v1/health/live", token=None).status == 200
    # 401
    assert stack.request("POST", "/api/v1/email/batch", {"messages": one}, token=None).status == 401
    assert stack.request("POST", "/api/v1/email/batch", {"messages": one}, token="a.b.c").status == 401
    # 403
    reader = make_client(stack, "batch-reader-" + uuid.uuid4().hex[:8], scopes="read")
    r = batch(stack, reader, one)
    assert r.status == 403 and r.json()["error"]["code"] == "forbidden"
    # 422 for the shape of the batch
    for body, field in (({}, "messages"), ({"messages": []}, "messages"), ({"messages": {"a": 1}}, "messages"),
                        ({"messages": one, "extra": 1}, "extra")):
        r = stack.request("POST", "/api/v1/email/batch", body, token=tok)
        assert r.status == 422 and r.json()["error"]["field"] == field, (body, r)
    # 413 for one message of the batch: only that message
    small = make_client(stack, "batch-413-" + uuid.uuid4().hex[:8], extra=("--max-bytes", "2048"))
    r = batch(stack, small, [msg(stack, text="x" * 5000), msg(stack)])
    assert r.status == 200, r
    res = r.json()["results"]
    assert res[0]["http_status"] == 413 and res[0]["error"]["code"] == "message_too_large"
    assert res[0]["error"]["field"] == "messages[0]"
    assert res[1]["http_status"] == 202
