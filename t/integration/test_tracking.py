"""Open/click tracking and one-click unsubscribe through the whole stack
(issue 5): gateway -> Postfix -> v2v-milter (rewrite, then DKIM) -> sink, and
back through the public tracking endpoints of the gateway.

- a tracked HTML send arrives with the pixel and rewritten links, and both
  DKIM signatures (over the new body and List-Unsubscribe) verify with
  python3-dkim;
- fetching the pixel and the click URL records "opened"/"clicked" events,
  visible in GET /api/v1/email/{id}, /tracking/events and /tracking/stats;
- the click lands on the original URL byte for byte (a local HTTP server
  records the request line); tampered or mismatched tokens get 404;
- the unsubscribe page works in headless Chromium (driven by chromedriver's
  W3C WebDriver HTTP API): the button POSTs and the address is suppressed;
  a mailbox provider's RFC 8058 POST works too;
- mail from an untrusted (inbound) client keeps its body whatever its
  X-V2V-Track header says."""
import contextlib
import html
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

import dkim
import pytest

from conftest import make_client, parse_message, wait_until
from test_milter_dkim import outside_smtp, records


@pytest.fixture(scope="module")
def client(stack):
    """A client of its own, so its statistics start from zero."""
    cid = "trk-" + uuid.uuid4().hex[:10]
    return cid, make_client(stack, cid)


def send_html(stack, token, html_body, rcpts, **extra):
    body = {"from": "News <news@%s>" % stack.from_domain, "to": rcpts, "subject": "Tracking " + uuid.uuid4().hex[:8],
            "html": html_body, "text": "Plain part: https://shop.example/text-link"}
    body.update(extra)
    r = stack.request("POST", "/api/v1/email/send", body, token=token)
    assert r.status == 202, r
    return r.json()


def html_part(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            return part
    raise AssertionError("no text/html part")


def dkim_results(raw, stack):
    recs = records(stack)
    d = dkim.DKIM(raw)
    n = len(re.findall(rb"^DKIM-Signature:", raw.split(b"\r\n\r\n", 1)[0], re.M | re.I))
    return [d.verify(idx=i, dnsfunc=lambda name, timeout=5: recs.get(name.decode().lower())) for i in range(n)]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, follow=True, method="GET", data=None, headers=None):
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


LINK_RE = re.compile(r"""href=(?:"([^"]*)"|'([^']*)')""", re.I)


@pytest.fixture(scope="module")
def landing():
    """A local web server standing in for the shop: records each request line."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"landed")

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1], seen
    srv.shutdown()


@pytest.fixture(scope="module")
def delivered(stack, client, landing):
    """One tracked send to two recipients, as the sink received it."""
    cid, token = client
    base, _ = landing
    target = base + "/landing/sale?utm_source=mail&utm_campaign=fall%202026&q=a+b&x=%E2%82%AC#top"
    page = ('<!DOCTYPE html><html><body><h1>Fall sale</h1>'
            '<p><a href="%s">See the sale</a></p>'
            '<p><A HREF=\'https://shop.example/Catalog?A=1&amp;B=2\'>catalog</A></p>'
            '<p><a href="mailto:help@shop.example">mail us</a> '
            '<a href="https://shop.example/private" data-v2v-notrack>private</a></p>'
            '</body></html>') % html.escape(target, quote=True)
    tag = "trk-" + uuid.uuid4().hex[:6]
    res = send_html(stack, token, page, ["alice@remote.test", "bob@remote.test"], track_opens=True,
                    track_clicks=True, list_unsubscribe=True, tags=[tag])
    got = stack.wait_sink(res["message_id"], count=2, timeout=30)
    by_rcpt = {meta["rcpt_to"][0]: raw for meta, raw in got}
    return {"id": res["id"], "target": target, "tag": tag, "raw": by_rcpt, "token": token, "client": cid}


def tracking_links(raw):
    part = html_part(parse_message(raw))
    body = part.get_content()
    links = [a or b for a, b in LINK_RE.findall(body)]
    return body, links, re.findall(r'<img src="([^"]*/tracking/open/[^"]*)"', body)


def test_tracked_send_has_pixel_rewritten_links_and_valid_dkim(stack, delivered):
    raw = delivered["raw"]["alice@remote.test"]
    msg = parse_message(raw)
    assert not [k for k in msg.keys() if k.lower().startswith("x-v2v-")]
    body, links, pixels = tracking_links(raw)
    assert len(pixels) == 1 and pixels[0].startswith(stack.url + "/api/v1/tracking/open/")
    assert body.index(pixels[0]) < body.lower().index("</body>")
    tracked = [l for l in links if "/api/v1/tracking/click/" in l]
    assert len(tracked) == 2, links
    assert "mailto:help@shop.example" in links
    assert "https://shop.example/private" in links
    assert html_part(msg)["Content-Transfer-Encoding"] == "quoted-printable"
    # The text part is not rewritten (milter.tracking.text_links is off).
    plain = [p for p in msg.walk() if p.get_content_type() == "text/plain"][0].get_content()
    assert "https://shop.example/text-link" in plain
    # One-click unsubscribe headers, per recipient, under the signature.
    lu = msg["List-Unsubscribe"]
    assert re.fullmatch(r"<%s/api/v1/tracking/unsubscribe/[A-Za-z0-9_-]+>" % re.escape(stack.url), lu), lu
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    other = parse_message(delivered["raw"]["bob@remote.test"])
    assert other["List-Unsubscribe"] != lu  # each recipient has a token of its own
    results = dkim_results(raw, stack)
    assert results == [True, True], results
    sig = re.search(rb"^DKIM-Signature:.*?(?=\r\n\S)", raw, re.S | re.M).group(0).lower()
    assert b"list-unsubscribe-post" in sig.replace(b"\r\n", b"").replace(b" ", b"").replace(b"\t", b"")


def test_pixel_and_click_record_events_and_stats(stack, delivered, landing):
    base, seen = landing
    raw = delivered["raw"]["alice@remote.test"]
    _, links, pixels = tracking_links(raw)
    status, headers, gif = fetch(pixels[0], headers={"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/128"})
    assert status == 200 and len(gif) == 43 and gif.startswith(b"GIF89a")
    assert headers["Content-Type"] == "image/gif" and headers["Cache-Control"] == "no-store"
    fetch(pixels[0])  # a second open: counted, but not unique
    click = [l for l in links if "/tracking/click/" in l][0]
    status, headers, _ = fetch(click, follow=False)
    assert status == 302
    assert headers["Location"] == delivered["target"]  # exactly as signed, fragment included
    # Followed like a browser: the shop gets exactly the signed path and query.
    before = len(seen)
    status, _, page = fetch(click)
    assert status == 200 and page == b"landed"
    assert seen[before:] == ["/landing/sale?utm_source=mail&utm_campaign=fall%202026&q=a+b&x=%E2%82%AC"]
    # The &amp; of the HTML became & in the signed URL.
    catalog = [l for l in links if "/tracking/click/" in l][1]
    assert fetch(catalog, follow=False)[1]["Location"] == "https://shop.example/Catalog?A=1&B=2"

    token = delivered["token"]

    def events():
        r = stack.request("GET", "/api/v1/email/" + delivered["id"], token=token)
        assert r.status == 200, r
        ev = [e for e in r.json()["events"] if e["type"] in ("opened", "clicked")]
        return ev if len(ev) >= 5 else None

    ev = wait_until(events, timeout=15, what="opened/clicked events in GET /email/{id}")
    opened = [e for e in ev if e["type"] == "opened"]
    assert len(opened) == 2 and all(e["recipient"] == "alice@remote.test" for e in ev)
    assert [e["data"]["first"] for e in opened] == [True, False]
    assert opened[0]["data"]["user_agent"] == "Mozilla/5.0 (X11; Linux) Firefox/128"
    assert opened[0]["data"]["ip"] == "127.0.0.1"
    clicked = [e for e in ev if e["type"] == "clicked"]
    assert clicked[0]["data"]["url"] == delivered["target"]

    r = stack.request("GET", "/api/v1/tracking/events?type=opened&email_id=" + delivered["id"], token=token)
    assert r.status == 200 and len(r.json()["events"]) == 2, r
    assert r.json()["events"][0]["tags"] == [delivered["tag"]]

    def stats():
        r = stack.request("GET", "/api/v1/tracking/stats?group_by=tag", token=token)
        assert r.status == 200, r
        groups = [g for g in r.json()["groups"] if g["tag"] == delivered["tag"]]
        return groups[0] if groups and groups[0]["sent"] == 2 and groups[0]["clicked"] == 3 else None

    g = wait_until(stats, timeout=20, what="tracking stats of the tag")
    assert g["opened"] == 2 and g["opened_unique"] == 1
    assert g["clicked"] == 3 and g["clicked_unique"] == 1
    assert g["rates"]["click_to_open"] == 1.0
    # Another client sees none of it.
    other = stack.request("GET", "/api/v1/tracking/events?email_id=" + delivered["id"])
    assert other.status == 200 and other.json()["events"] == []


def test_tampered_or_mismatched_tokens_are_refused(stack, delivered):
    _, links, pixels = tracking_links(delivered["raw"]["alice@remote.test"])
    click = [l for l in links if "/tracking/click/" in l][0]
    tok = click.rsplit("/", 1)[1]
    flipped = tok[:20] + ("A" if tok[20] != "A" else "B") + tok[21:]
    for url in (click[: -len(tok)] + flipped, click + "x", click[:-4],
                click.replace("/click/", "/open/") + ".gif",  # a click token is not a pixel
                pixels[0].replace("/open/", "/click/")[:-4],  # nor the other way round
                stack.url + "/api/v1/tracking/click/..%2F..%2Fetc%2Fpasswd"):
        status, headers, _ = fetch(url, follow=False)
        assert status == 404, url
        assert "Location" not in headers


def test_unsubscribe_page_in_headless_chromium(stack, delivered):
    msg = parse_message(delivered["raw"]["bob@remote.test"])
    url = msg["List-Unsubscribe"].strip("<>")
    status, headers, page = fetch(url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"bob@remote.test" in page and b"Unsubscribe" in page
    assert stack.request("GET", "/api/v1/suppressions/bob@remote.test", token=delivered["token"]).status == 404
    with chromium() as browser:
        browser.get(url)
        assert browser.execute("return document.documentElement.lang") == "en"
        button = browser.find("#unsubscribe")
        assert browser.text(button) == "Unsubscribe"
        browser.click(button)
        done = wait_until(lambda: browser.find("#done", required=False), timeout=10, what="the confirmation page")
        assert browser.text(done) == "You are unsubscribed"
    r = stack.request("GET", "/api/v1/suppressions/bob@remote.test", token=delivered["token"])
    assert r.status == 200 and r.json()["reason"] == "unsubscribed", r
    ev = stack.request("GET", "/api/v1/email/" + delivered["id"], token=delivered["token"]).json()["events"]
    unsub = [e for e in ev if e["type"] == "unsubscribed"]
    assert len(unsub) == 1 and unsub[0]["recipient"] == "bob@remote.test"


def test_one_click_post_from_a_mailbox_provider(stack, client):
    cid, token = client
    res = send_html(stack, token, "<p>Hi</p>", ["carol@remote.test"], list_unsubscribe=True)
    raw = stack.wait_sink(res["message_id"], timeout=30)[0][1]
    msg = parse_message(raw)
    url = msg["List-Unsubscribe"].strip("<>")
    assert "/tracking/" not in html_part(msg).get_content()  # unsubscribe only: body untouched
    for _ in range(2):  # RFC 8058 POSTs may repeat
        status, _, page = fetch(url, method="POST", data=b"List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and b"unsubscribed" in page
    r = stack.request("GET", "/api/v1/suppressions/carol@remote.test", token=token)
    assert r.status == 200 and r.json()["reason"] == "unsubscribed"
    rows = stack.query("SELECT COUNT(*) AS n FROM events WHERE email_id = ? AND type = 'unsubscribed'", res["id"])
    assert rows[0]["n"] == 1
    bad = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert fetch(bad, method="POST", data=b"List-Unsubscribe=One-Click")[0] == 404


def test_untracked_send_is_left_alone(stack, client):
    _, token = client
    page = '<html><body><a href="https://shop.example/x">x</a></body></html>'
    res = send_html(stack, token, page, ["dave@remote.test"], track_opens=False, track_clicks=False)
    msg = parse_message(stack.wait_sink(res["message_id"], timeout=30)[0][1])
    assert "/tracking/" not in html_part(msg).get_content()
    assert msg["List-Unsubscribe"] is None


def test_inbound_mail_is_not_rewritten_whatever_it_asks(stack):
    mid = "%s@outside.example" % uuid.uuid4().hex
    data = ("From: Mallory <m@spf-pass.test>\r\nTo: user@inbound.test\r\nSubject: hi\r\n"
            "Message-ID: <%s>\r\nX-V2V-Track: opens,clicks,unsubscribe\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=us-ascii\r\n\r\n"
            "<html><body><a href=\"https://phish.example/\">x</a></body></html>\r\n") % mid
    with outside_smtp(stack) as s:
        s.sendmail("m@spf-pass.test", ["user@inbound.test"], data)
    raw = stack.wait_sink(mid, timeout=30)[0][1]
    assert b"/tracking/" not in raw
    assert b"X-V2V-Track" not in raw and b"List-Unsubscribe" not in raw


# ---- a small W3C WebDriver client (chromedriver's HTTP API), no extra packages

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Browser:
    def __init__(self, port, session):
        self.base = "http://127.0.0.1:%d/session/%s" % (port, session)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            return {"error": json.load(e)["value"]}

    def get(self, url):
        self.call("POST", "/url", {"url": url})

    def execute(self, script):
        return self.call("POST", "/execute/sync", {"script": script, "args": []})

    def find(self, css, required=True):
        v = self.call("POST", "/element", {"using": "css selector", "value": css})
        if isinstance(v, dict) and ELEMENT in v:
            return v[ELEMENT]
        if required:
            raise AssertionError("no element %s: %s" % (css, v))
        return None

    def text(self, element):
        return self.call("GET", "/element/%s/text" % element)

    def click(self, element):
        v = self.call("POST", "/element/%s/click" % element, {})
        assert not (isinstance(v, dict) and "error" in v), v


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def chromium():
    if not shutil.which("chromedriver") or not os.path.exists("/usr/bin/chromium"):
        pytest.fail("chromium and chromium-driver are not installed (./dev up installs them)")
    port = free_port()
    profile = tempfile.mkdtemp(prefix="v2v-chromium-")
    proc = subprocess.Popen(["chromedriver", "--port=%d" % port], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    session = None
    try:
        def ready():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/status" % port, timeout=2) as r:
                    return json.load(r)["value"]["ready"]
            except OSError:
                return False

        wait_until(ready, timeout=20, what="chromedriver")
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": CHROMIUM_ARGS + ["--user-data-dir=" + profile]}}}}
        req = urllib.request.Request("http://127.0.0.1:%d/session" % port, data=json.dumps(caps).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            session = json.load(r)["value"]["sessionId"]
        yield Browser(port, session)
    finally:
        if session:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(urllib.request.Request(
                    "http://127.0.0.1:%d/session/%s" % (port, session), method="DELETE"), timeout=20)
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
