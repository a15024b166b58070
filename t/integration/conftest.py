"""Fixtures for integration tests against the running dev stack (./dev up).

Everything here talks to the real thing: the gateway over HTTP, Postfix over
SMTP, the sink's files, the SQLite database (read-only), redis via redis-cli.
Run by ./dev test with /usr/bin/python3 -m pytest."""
import email
import email.policy
import glob
import json
import os
import smtplib
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    return env


@pytest.fixture(scope="session")
def stack():
    path = os.path.join(TOP, "run", "env")
    if not os.path.exists(path):
        pytest.fail("run/env is missing: start the stack with ./dev up")
    return Stack(load_env(path))


def wait_until(fn, timeout=30.0, interval=0.2, what="condition"):
    """Polls fn() until it returns a truthy value; returns it or fails the test."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            pytest.fail("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Stack:
    def __init__(self, env):
        self.env = env
        self.url = env["V2V_URL"]
        self.token = env["V2V_TOKEN"]
        self.sink_dir = env["V2V_SINK_DIR"]
        self.db_path = env["V2V_DB"]
        self.fail_domain = env["V2V_FAIL_DOMAIN"]
        self.from_domain = env["V2V_FROM_DOMAIN"]
        self.run = env.get("V2V_RUN", os.path.join(TOP, "run"))
        self.build = env.get("V2V_BUILD", os.path.join(TOP, "build"))
        self.config = env.get("V2V_CONFIG", os.path.join(self.run, "v2v.yaml"))
        host, port = env["V2V_SMTP"].rsplit(":", 1)
        self.smtp_host, self.smtp_port = host, int(port)

    # ---- HTTP
    def request(self, method, path, body=None, token="default", headers=None, raw=None):
        url = self.url + path
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token == "default":
            token = self.token
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, dict(r.headers), r.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read().decode("utf-8", "replace"))

    def send(self, **fields):
        body = {"from": "sender@" + self.from_domain, "subject": "test", "text": "hello"}
        body.update(fields)
        return self.request("POST", "/api/v1/email/send", body)

    # ---- sink
    def sink_messages(self):
        out = []
        for eml in sorted(glob.glob(os.path.join(self.sink_dir, "*.eml"))):
            meta_path = eml[:-4] + ".json"
            try:
                with open(meta_path) as f:
                    meta = json.load(f)
                with open(eml, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            out.append((meta, raw))
        return out

    def wait_sink(self, message_id, count=1, timeout=15):
        """Waits for `count` deliveries of the message with this Message-ID (no <>)."""
        needle = ("<%s>" % message_id).encode()

        def found():
            got = [(m, raw) for m, raw in self.sink_messages() if needle in raw.split(b"\r\n\r\n", 1)[0]]
            return got if len(got) >= count else None

        return wait_until(found, timeout, what="message %s in the sink" % message_id)

    # ---- database (read-only)
    def db(self):
        conn = sqlite3.connect("file:%s?mode=ro" % self.db_path, uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql, *args):
        with self.db() as c:
            return [dict(r) for r in c.execute(sql, args).fetchall()]

    # ---- SMTP into the private Postfix
    def smtp_send(self, mail_from, rcpts, data):
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=30) as s:
            s.sendmail(mail_from, rcpts, data)

    def postfix_flush(self):
        subprocess.run(["postqueue", "-c", os.path.join(self.run, "postfix"), "-f"], check=False)

    def dev(self, *args):
        return subprocess.run([os.path.join(TOP, "dev")] + list(args), check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def redis_cli(stack, *args):
    host, port = stack.env["V2V_REDIS"].rsplit(":", 1)
    return subprocess.run(["redis-cli", "-h", host, "-p", port] + list(args), check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def make_client(stack, cid, scopes="send read", rate=None, burst=None, extra=()):
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    args = [os.path.join(stack.build, "ctl", "v2vctl"), "-c", stack.config, "client", "add", cid,
            "--scopes", scopes, "--from-domains", stack.from_domain, "--secret-stdin"]
    if rate:
        args += ["--rate", str(rate)]
    if burst:
        args += ["--burst", str(burst)]
    args += list(extra)
    subprocess.run(args, input=secret.encode(), check=True, stdout=subprocess.DEVNULL)
    r = stack.request("POST", "/api/v1/auth/token", {"client_id": cid, "client_secret": secret}, token=None)
    assert r.status == 200, r
    return r.json()["access_token"]


def parse_message(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)
