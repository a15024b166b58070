"""monitoring/ (issue 7): the Prometheus configuration and alert rules pass
promtool (including the rule unit tests), the Grafana dashboards are what
their generator writes and hold valid PromQL, and every metric a dashboard or
a rule uses is exported by the running stack once mail went through it."""
import glob
import json
import os
import re
import subprocess
import tempfile
import time

import yaml

from conftest import TOP
from ops_util import Metrics, families, mail_through_everything, scrape

MON = os.path.join(TOP, "monitoring")
DASHBOARDS = sorted(glob.glob(os.path.join(MON, "grafana", "*.json")))
# Metrics Prometheus itself makes, and PromQL words that look like names.
NOT_EXPORTED = {"up", "time", "le", "by", "without", "on", "ignoring", "and", "or", "unless", "offset", "bool"}


def promtool(*args):
    p = subprocess.run(["promtool"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120)
    assert p.returncode == 0, "promtool %s:\n%s" % (" ".join(args), p.stdout)
    return p.stdout


def dashboard_exprs():
    out = []
    for path in DASHBOARDS:
        d = json.load(open(path))
        for p in d["panels"]:
            out += [(os.path.basename(path), p["title"], t["expr"]) for t in p["targets"]]
    return out


def rule_exprs():
    doc = yaml.safe_load(open(os.path.join(MON, "v2v-alerts.yml")))
    return [(g["name"], r.get("alert") or r.get("record"), r["expr"]) for g in doc["groups"] for r in g["rules"]]


def metric_names(expr):
    """Metric names an expression reads (recording rules, functions and labels left out)."""
    expr = re.sub(r'"[^"]*"', '""', expr)          # label values
    expr = re.sub(r"\{[^}]*\}", "{}", expr)         # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)          # ranges
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    names = set(re.findall(r"\b([a-zA-Z_][a-zA-Z0-9_:]*)\b(?!\s*\()", expr))
    return {n for n in names if ":" not in n and n not in NOT_EXPORTED and not re.match(r"^\d", n)
            and (n.startswith("v2v_") or n.startswith("process_") or n == "up")} - {"up"}


def test_promtool_checks_configuration_and_rules():
    promtool("check", "config", os.path.join(MON, "prometheus.yml"))
    out = promtool("check", "rules", os.path.join(MON, "v2v-alerts.yml"))
    assert "SUCCESS" in out


def test_alert_rule_unit_tests_pass():
    out = promtool("test", "rules", os.path.join(MON, "tests", "v2v-alerts.test.yml"))
    assert "SUCCESS" in out


def test_rules_cover_the_issue():
    alerts = {name for _, name, _ in rule_exprs()}
    for a in ("V2VHighBounceRate", "V2VHighComplaintRate", "V2VQueueBacklog", "V2VNewDeadLetters",
              "V2VMilterErrors", "V2VGateway5xx", "V2VGatewayNotReady", "V2VGatewayDown", "V2VMilterDown"):
        assert a in alerts, a


def test_dashboards_are_what_the_generator_writes():
    assert [os.path.basename(p) for p in DASHBOARDS] == \
        ["v2v-bounces.json", "v2v-delivery.json", "v2v-queue.json", "v2v-system.json"]
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["/usr/bin/python3", os.path.join(MON, "grafana", "generate.py"), d], check=True,
                       stdout=subprocess.DEVNULL)
        for path in DASHBOARDS:
            assert open(path).read() == open(os.path.join(d, os.path.basename(path))).read(), \
                "%s differs from monitoring/grafana/generate.py's output: run it" % path


def test_dashboard_queries_are_valid_promql():
    rules = [{"record": "v2v_dashboard:q%d" % i,
              "expr": expr.replace("$client", ".*").replace("${datasource}", "")}
             for i, (_, _, expr) in enumerate(dashboard_exprs())]
    assert len(rules) >= 50
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, f)
    try:
        promtool("check", "rules", f.name)
    finally:
        os.unlink(f.name)


def test_every_metric_used_is_exported_by_the_stack(stack):
    used = {}
    for where, title, expr in dashboard_exprs() + rule_exprs():
        for n in metric_names(expr):
            used.setdefault(n, "%s: %s" % (where, title))
    assert len(used) >= 25, sorted(used)
    mail_through_everything(stack)
    met = Metrics(stack)

    deadline = time.time() + 60  # the delivery metrics follow the database every few seconds
    while True:
        names = families(scrape(met.gateway_url)[1]) | families(scrape(met.milter_url)[1])
        missing = {n: w for n, w in used.items() if n not in names}
        if not missing or time.time() > deadline:
            break
        time.sleep(1)
    assert not missing, "used by dashboards/rules but not exported: %s" % missing
