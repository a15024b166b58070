"""The audit log (log.audit_file, issue 7): one JSON line per authenticated
API request and per v2vctl change, never a secret or token."""
import uuid

from conftest import make_client
from ops_util import audit_lines, audit_path, audit_size, ctl


def lines_for(stack, since, **match):
    return [l for l in audit_lines(stack, since) if all(l.get(k) == v for k, v in match.items())]


def test_authenticated_requests_are_audited(stack):
    cid = "audit-" + uuid.uuid4().hex[:8]
    token = make_client(stack, cid)
    start = audit_size(stack)
    r = stack.request("POST", "/api/v1/email/send", {"from": "a@" + stack.from_domain, "to": ["a@remote.test"],
                                                     "subject": "audit", "text": "x"}, token=token)
    assert r.status == 202, r
    email_id = r.json()["id"]
    assert stack.request("GET", "/api/v1/email/" + email_id, token=token).status == 200
    send, = lines_for(stack, start, client=cid, route="/api/v1/email/send")
    assert send["source"] == "api" and send["method"] == "POST" and send["status"] == 202
    assert send["result"] == "ok" and send["email_id"] == email_id and send["ip"] == "127.0.0.1"
    assert send["ts"].endswith("Z") and isinstance(send["duration_ms"], int)
    read, = lines_for(stack, start, client=cid, route="/api/v1/email/{id}")
    assert read["email_id"] == email_id and read["path"] == "/api/v1/email/" + email_id
    with open(audit_path(stack)) as f:
        assert token not in f.read() and token.split(".")[2] not in open(audit_path(stack)).read()


def test_refused_requests_are_audited_with_their_reason(stack):
    start = audit_size(stack)
    bad = "eyJhbGciOiJIUzI1NiJ9.e30." + uuid.uuid4().hex
    assert stack.request("GET", "/api/v1/suppressions", token=bad).status == 401
    cid = "audit-bad-" + uuid.uuid4().hex[:6]
    secret = "wrong-" + uuid.uuid4().hex
    r = stack.request("POST", "/api/v1/auth/token", {"client_id": cid, "client_secret": secret}, token=None)
    assert r.status == 401
    lines = audit_lines(stack, start)
    denied = [l for l in lines if l["route"] == "/api/v1/suppressions" and l["status"] == 401]
    assert denied and denied[-1]["client"] is None and denied[-1]["result"] == "unauthorized"
    tok, = [l for l in lines if l["route"] == "/api/v1/auth/token" and l["client"] == cid]
    assert tok["status"] == 401 and tok["result"] == "unauthorized"
    text = open(audit_path(stack)).read()
    assert secret not in text and bad not in text


def test_public_routes_are_not_audited(stack):
    start = audit_size(stack)
    marker = uuid.uuid4().hex
    assert stack.request("GET", "/api/v1/health/live?x=" + marker, token=None).status == 200
    assert stack.request("GET", "/api/v1/openapi.yaml", token=None).status == 200
    assert stack.request("GET", "/metrics", token=None).status == 200
    routes = {l["route"] for l in audit_lines(stack, start)}
    assert not routes & {"/api/v1/health/live", "/api/v1/openapi.yaml", "/metrics"}


def test_v2vctl_changes_are_audited_without_secrets(stack):
    start = audit_size(stack)
    cid = "audit-ctl-" + uuid.uuid4().hex[:8]
    secret = "s3cret-" + uuid.uuid4().hex
    ctl(stack, "client", "add", cid, "--secret-stdin", input=secret + "\n")
    ctl(stack, "suppression", "add", cid, "Someone@Example.test", "--reason", "manual")
    missing = ctl(stack, "suppression", "remove", cid, "nobody@example.test", check=False)
    assert missing.returncode == 69
    token = ctl(stack, "client", "token", cid).stdout.strip()
    ctl(stack, "suppression", "list", cid)  # read-only: not audited
    lines = [l for l in audit_lines(stack, start) if l.get("source") == "v2vctl" and cid in l.get("args", [])]
    cmds = [(l["command"], l["status"]) for l in lines]
    assert cmds == [("client add", 0), ("suppression add", 0), ("suppression remove", 69), ("client token", 0)]
    assert all(l["user"] and l["ts"] for l in lines)
    assert lines[1]["args"] == [cid, "Someone@Example.test", "--reason", "manual"]
    text = open(audit_path(stack)).read()
    assert secret not in text and token not in text
