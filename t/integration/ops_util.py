"""Helpers of the operations tests (issue 7): Prometheus text parsing, v2vctl,
the audit log, and mail that makes every metric move."""
import email.utils
import json
import os
import re
import subprocess
import urllib.request
import uuid

from conftest import make_client, wait_until
from test_milter_dkim import send_outside

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(url):
    """(content type, text) of a /metrics endpoint."""
    with urllib.request.urlopen(url, timeout=15) as r:
        return r.headers.get("Content-Type", ""), r.read().decode()


def parse(text):
    """{(name, frozenset(labels.items())): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def total(samples, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def families(text):
    """Metric family names with a # TYPE line, and sample names."""
    names = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    names |= {m.group(1) for m in map(SAMPLE.match, text.splitlines()) if m}
    return names


class Metrics:
    def __init__(self, stack):
        self.gateway_url = stack.url + "/metrics"
        self.milter_url = stack.env.get("V2V_MILTER_METRICS", "http://127.0.0.1:9465/metrics")

    def gateway(self):
        return parse(scrape(self.gateway_url)[1])

    def milter(self):
        return parse(scrape(self.milter_url)[1])


def ctl(stack, *args, input=None, check=True):
    """Runs v2vctl against the stack's configuration; returns CompletedProcess (text)."""
    p = subprocess.run([os.path.join(stack.build, "ctl", "v2vctl"), "-c", stack.config] + list(args),
                       input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if check:
        assert p.returncode == 0, "v2vctl %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr)
    return p


def ctl_json(stack, *args):
    return json.loads(ctl(stack, "--json", *args).stdout)


def audit_path(stack):
    return os.path.join(stack.run, "log", "audit.log")


def audit_lines(stack, since=0):
    """Audit records from byte offset `since`."""
    with open(audit_path(stack), "rb") as f:
        f.seek(since)
        return [json.loads(l) for l in f.read().decode().splitlines() if l.strip()]


def audit_size(stack):
    return os.path.getsize(audit_path(stack))


def mail_through_everything(stack):
    """One client's API mail (delivered + bounced), inbound mail from outside:
    after it, every counter the dashboards use has moved. Returns the client id."""
    cid = "ops-" + uuid.uuid4().hex[:8]
    token = make_client(stack, cid, scopes="send read")
    ok = "ops-%s@remote.test" % uuid.uuid4().hex[:8]
    bad = "gone-%s@%s" % (uuid.uuid4().hex[:8], stack.fail_domain)
    r = stack.request("POST", "/api/v1/email/send", {"from": "ops@" + stack.from_domain, "to": [ok, bad],
                                                     "subject": "ops", "text": "metrics"}, token=token)
    assert r.status == 202, r
    stack.wait_sink(r.json()["message_id"])
    marker = "ops-inbound-" + uuid.uuid4().hex
    data = ("From: someone@outside.test\r\nTo: ops@inbound.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@outside.test>\r\n\r\nhello\r\n" % (marker, email.utils.formatdate(), marker))
    send_outside(stack, "someone@outside.test", "ops@inbound.test", data)
    stack.wait_sink(marker + "@outside.test")
    return cid, r.json()["id"]
