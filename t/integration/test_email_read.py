"""GET /api/v1/email/{id} (issue 3): status, recipients with their own status,
SMTP reply and bounce reason, events, tags, metadata; only the owner sees it."""
import time
import uuid

import pytest

from conftest import wait_until
from conftest import make_client


@pytest.fixture(scope="module")
def tok(stack):
    return make_client(stack, "read-" + uuid.uuid4().hex[:8], scopes="send read", rate=1000, burst=1000)


def send(stack, tok, **fields):
    body = {"from": "App <app@%s>" % stack.from_domain, "subject": "read " + uuid.uuid4().hex, "text": "t"}
    body.update(fields)
    r = stack.request("POST", "/api/v1/email/send", body, token=tok)
    assert r.status == 202, r
    return r.json()


def get(stack, tok, email_id):
    r = stack.request("GET", "/api/v1/email/" + email_id, token=tok)
    assert r.status == 200, r
    return r.json()


def test_fields_recipients_and_events(stack, tok):
    blocked = "blocked-%s@remote.test" % uuid.uuid4().hex[:8]
    assert stack.request("POST", "/api/v1/suppressions", {"email": blocked}, token=tok).status == 201
    sent = send(stack, tok, to=["one@remote.test"], bcc=[blocked], tags=["welcome", "a:b"],
                metadata={"user_id": 42, "plan": "pro"}, track_opens=False)
    e = get(stack, tok, sent["id"])
    assert e["id"] == sent["id"] and e["message_id"] == sent["message_id"]
    assert e["from"] == "app@" + stack.from_domain and e["subject"].startswith("read ")
    assert e["tags"] == ["welcome", "a:b"] and e["metadata"] == {"user_id": 42, "plan": "pro"}
    assert e["template"] is None and e["send_at"] is None and e["track_opens"] is False
    assert e["size_bytes"] > 0 and e["created_at"].endswith("Z")
    assert [(r["email"], r["kind"]) for r in e["recipients"]] == [("one@remote.test", "to"), (blocked, "bcc")]
    assert e["recipients"][1]["status"] == "suppressed"

    stack.wait_sink(sent["message_id"])

    def submitted():
        got = get(stack, tok, sent["id"])
        return got if got["recipients"][0]["status"] in ("submitted", "delivered") else None

    e = wait_until(submitted, 20, what="recipient 0 submitted")
    r0 = e["recipients"][0]
    assert r0["attempts"] == 1 and r0["smtp_code"] == 250 and r0["smtp_response"].startswith("250")
    assert r0["bounce"] is None and r0["bounce_reason"] is None
    kinds = [(ev["type"], ev["recipient"]) for ev in e["events"]]
    assert ("suppressed", blocked) in kinds and ("submitted", "one@remote.test") in kinds
    assert all(ev["at"].endswith("Z") and isinstance(ev["data"], dict) for ev in e["events"])
    assert e["events_truncated"] is False
    assert e["status"] in ("submitted", "delivered")


def test_bounce_shows_reason_and_reply(stack, tok):
    rcpt = "nobody-%s@%s" % (uuid.uuid4().hex[:8], stack.fail_domain)
    sent = send(stack, tok, to=[rcpt])

    def bounced():
        got = get(stack, tok, sent["id"])
        return got if got["recipients"][0]["status"] == "bounced" else None

    e = wait_until(bounced, 60, what="bounce of " + rcpt)
    r0 = e["recipients"][0]
    assert r0["email"] == rcpt and r0["smtp_status"] == "5.1.1"
    assert r0["bounce_reason"] == "userunknown"
    assert r0["bounce"]["reason"] == "userunknown" and r0["bounce"]["hard"] is True
    assert r0["bounce"]["status"] == "5.1.1" and r0["bounce"]["at"].endswith("Z")
    assert e["status"] == "bounced"
    assert "bounced" in [ev["type"] for ev in e["events"]]


def test_smtp_refusal_is_recorded_per_recipient(stack, tok):
    sent = send(stack, tok, to=["x@refuse.test", "ok-%s@remote.test" % uuid.uuid4().hex[:6]])

    def failed():
        got = get(stack, tok, sent["id"])
        return got if got["recipients"][0]["status"] == "failed" else None

    e = wait_until(failed, 20, what="recipient refused")
    r0 = e["recipients"][0]
    assert r0["smtp_code"] == 550 and "refused by the dev stack" in r0["smtp_response"]
    assert ("failed", "x@refuse.test") in [(ev["type"], ev["recipient"]) for ev in e["events"]]
    # the other recipient has its own status
    wait_until(lambda: get(stack, tok, sent["id"])["recipients"][1]["status"] in ("submitted", "delivered"), 20,
               what="recipient 1 submitted")


def test_scheduled_email(stack, tok):
    due = int(time.time()) + 86400
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due))
    sent = send(stack, tok, to=["later@remote.test"], send_at=iso)
    assert sent["status"] == "scheduled"
    e = get(stack, tok, sent["id"])
    assert e["status"] == "scheduled" and e["send_at"] == iso
    assert e["recipients"][0]["status"] == "scheduled" and e["recipients"][0]["attempts"] == 0


def test_only_the_owner_sees_an_email(stack, tok):
    sent = send(stack, tok, to=["mine@remote.test"])
    other = make_client(stack, "read-other-" + uuid.uuid4().hex[:8], scopes="send read")
    r = stack.request("GET", "/api/v1/email/" + sent["id"], token=other)
    assert r.status == 404 and r.json()["error"]["code"] == "not_found"
    for bad in ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope", "%27%20OR%201=1--", "%zz"):
        assert stack.request("GET", "/api/v1/email/" + bad, token=tok).status == 404, bad


def test_error_codes(stack, tok):
    sent = send(stack, tok, to=["codes@remote.test"])
    r = stack.request("GET", "/api/v1/email/" + sent["id"], token=None)
    assert r.status == 401 and r.json()["error"]["code"] == "unauthorized"
    assert stack.request("GET", "/api/v1/email/" + sent["id"], token="x.y.z").status == 401
    sender = make_client(stack, "read-sender-" + uuid.uuid4().hex[:8], scopes="send")
    mine = stack.request("POST", "/api/v1/email/send", {"from": "a@" + stack.from_domain, "to": ["b@remote.test"],
                                                        "subject": "s", "text": "t"}, token=sender)
    assert mine.status == 202
    r = stack.request("GET", "/api/v1/email/" + mine.json()["id"], token=sender)
    assert r.status == 403 and r.json()["error"]["code"] == "forbidden"
