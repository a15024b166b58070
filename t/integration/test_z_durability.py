"""Durability (issue 3): Redis stopped and restarted mid-run, Postfix down,
SIGTERM drain.
Named to run last: these tests stop and restart pieces of the stack."""
import concurrent.futures
import os
import signal
import subprocess
import time
import uuid

import pytest

from conftest import make_client, redis_cli, wait_until


@pytest.fixture(scope="module")
def token(stack):
    # its own client: the demo client's rate limit would answer 429 to these bursts
    return make_client(stack, "durability-" + uuid.uuid4().hex[:8], rate=100000, burst=100000)


def post(stack, token, tag, i):
    body = {"from": "a@" + stack.from_domain, "to": ["dur-%s-%d@remote.test" % (tag, i)],
            "subject": "durability %s %d" % (tag, i), "text": "t"}
    try:
        r = stack.request("POST", "/api/v1/email/send", body, token=token)
        return r.status, (r.json().get("message_id") if r.status == 202 else None)
    except OSError:
        return 0, None  # connection refused / reset while the gateway stops


def deliveries(stack, tag):
    counts = {}
    for meta, raw in stack.sink_messages():
        for rc in meta["rcpt_to"]:
            if rc.startswith("dur-%s-" % tag):
                counts[rc] = counts.get(rc, 0) + 1
    return counts


def test_redis_outage_loses_nothing(stack, token):
    tag = uuid.uuid4().hex[:8]
    accepted, refused = [], 0
    for i in range(60):
        if i == 20:
            stack.dev("stop", "redis")
        if i == 40:
            stack.dev("start", "redis")
        status, mid = post(stack, token, tag, i)
        if status == 202:
            accepted.append(i)
        else:
            assert status == 503, status
            refused += 1
        time.sleep(0.05)
    assert refused >= 1, "requests during the outage must be refused with 503"
    assert [i for i in accepted if i < 20] and [i for i in accepted if i >= 40], "accepted before and after"
    want = {"dur-%s-%d@remote.test" % (tag, i) for i in accepted}
    # every 202 reaches the sink exactly once
    wait_until(lambda: want <= set(deliveries(stack, tag)), 90, what="all accepted emails delivered")
    time.sleep(3)
    counts = deliveries(stack, tag)
    assert set(counts) == want, "only accepted emails are delivered"
    assert all(n == 1 for n in counts.values()), {k: v for k, v in counts.items() if v != 1}


def test_first_requests_after_a_redis_restart_succeed(stack, token):
    # every HTTP thread keeps a Redis connection; a restart closes them all
    tag = uuid.uuid4().hex[:8]
    assert all(post(stack, token, tag, i)[0] == 202 for i in range(16))
    stack.dev("stop", "redis")
    stack.dev("start", "redis")
    statuses = [post(stack, token, tag, 100 + i)[0] for i in range(16)]
    assert statuses == [202] * 16, statuses


# Counts, in one atomic step, each email's stream entries plus its schedule.
COPIES_LUA = """
local counts = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local f = e[2]
  for i = 1, #f, 2 do
    if f[i] == 'email' then counts[f[i + 1]] = (counts[f[i + 1]] or 0) + 1 end
  end
end
local out = {}
for i, id in ipairs(ARGV) do
  out[i] = (counts[id] or 0) + (redis.call('ZSCORE', KEYS[2], id) and 1 or 0)
end
return out
"""


def queue_copies(stack, ids):
    """How many times Redis holds each email: stream entries plus its schedule."""
    out = redis_cli(stack, "EVAL", COPIES_LUA, "2", "v2v:inject", "v2v:scheduled", *ids)
    return dict(zip(ids, (int(n) for n in out.split())))


def test_reconciler_requeues_only_what_redis_lost(stack, token):
    # Emails waiting in Redis longer than reconcile_age_seconds (Postfix is
    # down) are left alone by the reconciler: no duplicate entries. When Redis
    # loses the queue, it re-queues them, and each is delivered once.
    tag = uuid.uuid4().hex[:8]
    stack.dev("stop", "postfix")
    try:
        sent = [post(stack, token, tag, i) for i in range(20)]
        assert all(status == 202 for status, _ in sent), sent
        ids = [stack.query("SELECT id FROM emails WHERE message_id=?", mid)[0]["id"] for _, mid in sent]
        time.sleep(20 + 2 * 10 + 2)  # reconcile_age_seconds + two rounds (run/v2v.yaml)
        copies = queue_copies(stack, ids)
        assert all(n == 1 for n in copies.values()), ("each email once in Redis", copies)
        redis_cli(stack, "DEL", "v2v:inject", "v2v:scheduled", "v2v:queued")  # Redis loses the queue
        wait_until(lambda: all(n >= 1 for n in queue_copies(stack, ids).values()), 30,
                   what="the reconciler re-queues what Redis lost")
    finally:
        stack.dev("start", "postfix")
    want = {"dur-%s-%d@remote.test" % (tag, i) for i in range(20)}
    wait_until(lambda: want <= set(deliveries(stack, tag)), 90, what="delivery of the re-queued emails")
    time.sleep(2)
    counts = deliveries(stack, tag)
    assert all(counts[w] == 1 for w in want), counts


def test_postfix_outage_costs_no_attempt_and_delivers_after(stack, token):
    tag = uuid.uuid4().hex[:8]
    # one delivery first: the injector then holds kept-alive sessions that the
    # Postfix stop closes under it
    post(stack, token, tag, 99)
    wait_until(lambda: deliveries(stack, tag), 30, what="the warm-up delivery")
    stack.dev("stop", "postfix")
    try:
        sent = [post(stack, token, tag, i) for i in range(5)]
        assert all(status == 202 for status, _ in sent), sent
        ids = [stack.query("SELECT id FROM emails WHERE message_id=?", mid)[0]["id"] for _, mid in sent]
        time.sleep(4)  # the injector meets the closed port and backs off
        for email_id in ids:
            rows = stack.query("SELECT status, attempts FROM recipients WHERE email_id=?", email_id)
            assert rows == [{"status": "queued", "attempts": 0}], (email_id, rows)
            assert not stack.query("SELECT 1 FROM events WHERE email_id=? AND type='deferred'", email_id)
    finally:
        stack.dev("start", "postfix")
    want = {"dur-%s-%d@remote.test" % (tag, i) for i in range(5)}
    wait_until(lambda: want <= set(deliveries(stack, tag)), 90, what="delivery once Postfix is back")
    counts = deliveries(stack, tag)
    assert all(counts[w] == 1 for w in want), counts


def test_sigterm_drains_then_restarts(stack, token):
    tag = uuid.uuid4().hex[:8]
    pid = int(open(os.path.join(stack.run, "pids", "gateway.pid")).read())
    results = []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(post, stack, token, tag, i) for i in range(200)]
        time.sleep(0.3)
        os.kill(pid, signal.SIGTERM)
        results = [f.result() for f in futures]
    wait_until(lambda: not os.path.exists("/proc/%d" % pid), 40, what="gateway exit after SIGTERM")
    statuses = {s for s, _ in results}
    assert statuses <= {202, 503, 0}, statuses
    accepted = [i for i, (s, _) in enumerate(results) if s == 202]
    assert accepted, "some requests finished before the drain"
    # every accepted email is in SQLite; after restart, all reach the sink
    stack.dev("start", "gateway")
    want = {"dur-%s-%d@remote.test" % (tag, i) for i in accepted}
    wait_until(lambda: want <= set(deliveries(stack, tag)), 90, what="accepted emails delivered after restart")
    time.sleep(2)
    counts = deliveries(stack, tag)
    assert set(counts) == want and all(n == 1 for n in counts.values())
