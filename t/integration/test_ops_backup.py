"""v2vctl db (issue 7): an online backup of the live database taken while
clients keep sending is a sound single-file SQLite database holding every
email committed before the backup started; integrity check and pruning."""
import os
import sqlite3
import tempfile
import threading
import time
import uuid

from conftest import make_client
from ops_util import ctl, ctl_json

SENDERS = 3


class Load:
    """Threads sending through the API; remembers each accepted id and when its 202 came."""

    def __init__(self, stack, token):
        self.stack, self.token = stack, token
        self.accepted = []  # (time the 202 arrived, email id)
        self.errors = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(SENDERS)]

    def run(self):
        while not self.stop.is_set():
            body = {"from": "backup@" + self.stack.from_domain, "to": ["backup-%s@remote.test" % uuid.uuid4().hex[:8]],
                    "subject": "backup load", "text": "x"}
            r = self.stack.request("POST", "/api/v1/email/send", body, token=self.token)
            with self.lock:
                if r.status == 202:
                    self.accepted.append((time.monotonic(), r.json()["id"]))
                else:
                    self.errors.append(r)

    def ids_before(self, t):
        with self.lock:
            return {i for at, i in self.accepted if at < t}

    def count_between(self, a, b):
        with self.lock:
            return sum(1 for at, _ in self.accepted if a <= at <= b)


def test_backup_under_write_load_holds_every_committed_email(stack):
    token = make_client(stack, "backup-" + uuid.uuid4().hex[:8], rate=10000, burst=10000)
    load = Load(stack, token)
    for t in load.threads:
        t.start()
    with tempfile.TemporaryDirectory() as d:
        dest = os.path.join(d, "copy.db")
        try:
            time.sleep(2)
            started = time.monotonic()
            committed = load.ids_before(started)  # each 202 came after its transaction committed
            result = ctl_json(stack, "db", "backup", dest)
            finished = time.monotonic()
            time.sleep(1)
        finally:
            load.stop.set()
            for t in load.threads:
                t.join(30)
        assert not load.errors, load.errors[:3]
        assert len(committed) >= 10, "the load did not get going"
        assert load.count_between(started, finished) > 0, "no request completed during the backup"
        assert result["integrity"] == "ok"
        assert not os.path.exists(dest + "-wal")
        conn = sqlite3.connect("file:%s?mode=ro" % dest, uri=True)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            ids = {r[0] for r in conn.execute("SELECT id FROM emails")}
            recipients = conn.execute("SELECT COUNT(*) FROM recipients WHERE email_id IN (%s)" %
                                      ",".join("?" * len(committed)), sorted(committed)).fetchone()[0]
        finally:
            conn.close()
        assert committed <= ids, "missing from the backup: %s" % sorted(committed - ids)[:5]
        assert recipients == len(committed)
        assert result["emails"] == len(ids)


def test_backup_refuses_to_replace_a_file(stack):
    with tempfile.NamedTemporaryFile() as f:
        p = ctl(stack, "db", "backup", f.name, check=False)
        assert p.returncode == 73 and "exists" in p.stderr
        assert os.path.getsize(f.name) == 0


def test_integrity_check_of_the_live_database(stack):
    assert ctl(stack, "db", "check").stdout.strip() == "ok"
    assert ctl_json(stack, "db", "check", "--quick") == {"ok": True, "problems": []}


def test_prune_counts_and_keeps_recent_rows(stack):
    dry = ctl_json(stack, "db", "prune", "--days", "3650", "--dry-run")
    assert dry["dry_run"] is True and dry["events"] == 0 and dry["raw_reports"] == 0
    before = stack.query("SELECT COUNT(*) AS n FROM events")[0]["n"]
    done = ctl_json(stack, "db", "prune", "--days", "3650")
    assert done["events"] == 0
    assert stack.query("SELECT COUNT(*) AS n FROM events")[0]["n"] >= before
    assert ctl(stack, "db", "prune", check=False).returncode == 64  # --days is required
