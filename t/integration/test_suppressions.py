"""Suppressions (issue 3): the API over the client's own list (add, read,
page, remove), its effect on sends, hard bounces landing on it, and every
error code."""
import urllib.parse
import uuid

import pytest

from conftest import wait_until
from conftest import make_client


@pytest.fixture(scope="module")
def tok(stack):
    return make_client(stack, "sup-" + uuid.uuid4().hex[:8], scopes="send read", rate=1000, burst=1000)


def addr(tag="s"):
    return "%s-%s@remote.test" % (tag, uuid.uuid4().hex[:10])


def path(a):
    return "/api/v1/suppressions/" + urllib.parse.quote(a, safe="")


def add(stack, tok, a, **extra):
    body = {"email": a}
    body.update(extra)
    return stack.request("POST", "/api/v1/suppressions", body, token=tok)


def test_add_get_remove(stack, tok):
    a = addr("User.Name+tag")
    r = add(stack, tok, a)
    assert r.status == 201, r
    entry = r.json()
    assert entry["email"] == a.lower() and entry["reason"] == "manual" and entry["source_email_id"] is None
    assert entry["created_at"].endswith("Z")
    # adding again keeps the first entry (and its reason)
    again = add(stack, tok, a.upper(), reason="unsubscribed")
    assert again.status == 200 and again.json() == entry
    # any spelling of the address finds it: case, percent-encoding of '+' and '@'
    for spelled in (a, a.upper()):
        got = stack.request("GET", path(spelled), token=tok)
        assert got.status == 200 and got.json() == entry, got
    raw_plus = stack.request("GET", "/api/v1/suppressions/" + a.lower(), token=tok)
    assert raw_plus.status == 200, raw_plus
    assert stack.request("DELETE", path(a), token=tok).status == 204
    assert stack.request("GET", path(a), token=tok).status == 404
    assert stack.request("DELETE", path(a), token=tok).status == 404


def test_unsubscribed_reason_and_idn(stack, tok):
    a = "kunde-%s@bücher.example" % uuid.uuid4().hex[:8]
    r = add(stack, tok, a, reason="unsubscribed")
    assert r.status == 201, r
    assert r.json()["email"] == a.replace("bücher", "xn--bcher-kva") and r.json()["reason"] == "unsubscribed"
    assert stack.request("GET", path(a), token=tok).status == 200


def test_list_is_paged_and_per_client(stack, tok):
    own = make_client(stack, "sup-page-" + uuid.uuid4().hex[:8], scopes="send read")
    addrs = sorted(addr("p") for _ in range(5))
    for a in addrs:
        assert add(stack, own, a).status == 201
    seen, cursor, pages = [], None, 0
    while True:
        r = stack.request("GET", "/api/v1/suppressions?limit=2" + ("&cursor=" + cursor if cursor else ""), token=own)
        assert r.status == 200, r
        body = r.json()
        assert len(body["suppressions"]) <= 2
        seen += [x["email"] for x in body["suppressions"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == addrs and pages == 3
    default = stack.request("GET", "/api/v1/suppressions", token=own).json()
    assert [x["email"] for x in default["suppressions"]] == addrs and default["next_cursor"] is None
    # another client: not listed, not readable, not removable
    others = stack.request("GET", "/api/v1/suppressions?limit=1000", token=tok).json()["suppressions"]
    assert not set(addrs) & {x["email"] for x in others}
    assert stack.request("GET", path(addrs[0]), token=tok).status == 404
    assert stack.request("DELETE", path(addrs[0]), token=tok).status == 404
    assert stack.request("GET", path(addrs[0]), token=own).status == 200


def test_suppressed_address_is_not_sent_until_removed(stack, tok):
    a = addr("blocked")
    assert add(stack, tok, a).status == 201
    body = {"from": "app@" + stack.from_domain, "to": [a, "ok-%s@remote.test" % uuid.uuid4().hex[:6]],
            "subject": "s", "text": "t"}
    r = stack.request("POST", "/api/v1/email/send", body, token=tok)
    assert r.status == 202, r
    assert [x["status"] for x in r.json()["recipients"]] == ["suppressed", "queued"]
    stack.wait_sink(r.json()["message_id"])  # the other recipient got it
    assert not [m for m, _ in stack.sink_messages() if a in m["rcpt_to"]]
    got = stack.request("GET", "/api/v1/email/" + r.json()["id"], token=tok).json()
    assert got["recipients"][0]["status"] == "suppressed"

    assert stack.request("DELETE", path(a), token=tok).status == 204
    body["to"] = [a]
    r = stack.request("POST", "/api/v1/email/send", body, token=tok)
    assert r.status == 202 and r.json()["recipients"] == [{"email": a, "status": "queued"}]
    (meta, _), = stack.wait_sink(r.json()["message_id"])
    assert meta["rcpt_to"] == [a]


def test_hard_bounce_lands_on_the_list(stack, tok):
    a = "gone-%s@%s" % (uuid.uuid4().hex[:8], stack.fail_domain)
    body = {"from": "app@" + stack.from_domain, "to": [a], "subject": "s", "text": "t"}
    r = stack.request("POST", "/api/v1/email/send", body, token=tok)
    assert r.status == 202, r
    email_id = r.json()["id"]
    got = wait_until(lambda: stack.request("GET", path(a), token=tok).status == 200 and
                     stack.request("GET", path(a), token=tok).json(), 60, what="suppression of " + a)
    assert got["reason"] == "hard_bounce" and got["source_email_id"] == email_id
    again = stack.request("POST", "/api/v1/email/send", body, token=tok)
    assert again.status == 202 and again.json()["recipients"] == [{"email": a, "status": "suppressed"}]


def test_error_codes(stack, tok):
    a = addr("err")
    assert add(stack, tok, a).status == 201
    # 400 malformed body
    r = stack.request("POST", "/api/v1/suppressions", raw=b"{oops", token=tok)
    assert r.status == 400 and r.json()["error"]["code"] == "malformed"
    assert stack.request("POST", "/api/v1/suppressions", raw=b"[]", token=tok).status == 400
    # 401
    for method, p in (("GET", "/api/v1/suppressions"), ("GET", path(a)), ("DELETE", path(a)),
                      ("POST", "/api/v1/suppressions")):
        r = stack.request(method, p, {"email": a} if method == "POST" else None, token=None)
        assert r.status == 401 and r.json()["error"]["code"] == "unauthorized", (method, p, r)
    # 403: reading needs "read", changing needs "send"
    reader = make_client(stack, "sup-reader-" + uuid.uuid4().hex[:8], scopes="read")
    sender = make_client(stack, "sup-sender-" + uuid.uuid4().hex[:8], scopes="send")
    assert stack.request("GET", "/api/v1/suppressions", token=reader).status == 200
    for method, p, t in (("DELETE", path(a), reader), ("POST", "/api/v1/suppressions", reader),
                         ("GET", "/api/v1/suppressions", sender), ("GET", path(a), sender)):
        r = stack.request(method, p, {"email": a} if method == "POST" else None, token=t)
        assert r.status == 403 and r.json()["error"]["code"] == "forbidden", (method, p, r)
    assert stack.request("GET", path(a), token=tok).status == 200  # untouched by the refused DELETE
    # 404
    assert stack.request("GET", path(addr("never")), token=tok).status == 404
    # 422
    assert stack.request("GET", "/api/v1/suppressions/%zz", token=tok).status == 404  # not a URL escape
    for bad in ("not-an-address", "a%20b@remote.test", "x@", "a%0d%0aX:%20y@remote.test"):
        r = stack.request("GET", "/api/v1/suppressions/" + bad, token=tok)
        assert r.status == 422 and r.json()["error"]["field"] == "email", (bad, r)
    for body, field in (({"email": "nope"}, "email"), ({}, "email"), ({"email": 5}, "email"),
                        ({"email": a, "reason": "hard_bounce"}, "reason"), ({"email": a, "why": 1}, "why"),
                        ({"email": "x@remote.test\r\nBcc: v@remote.test"}, "email")):
        r = stack.request("POST", "/api/v1/suppressions", body, token=tok)
        assert r.status == 422 and r.json()["error"]["field"] == field, (body, r)
    for q, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"), ("cursor=@@", "cursor")):
        r = stack.request("GET", "/api/v1/suppressions?" + q, token=tok)
        assert r.status == 422 and r.json()["error"]["field"] == field, (q, r)
