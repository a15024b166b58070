#!/usr/bin/python3
"""Writes the Grafana dashboards of V2V Mail (monitoring/grafana/*.json) from
the panel lists below; t/integration/test_ops_monitoring.py checks that the
committed JSON is what this script writes and that every metric the panels
query is exported by the running stack. Run after editing:
    monitoring/grafana/generate.py [DIR]"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${datasource}"}


def panel(title, exprs, unit="short", kind="timeseries", w=12, h=8, desc="", stack=False, max_=None):
    """exprs: [(PromQL, legend)]"""
    p = {
        "type": kind,
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": l, "datasource": DS}
                    for i, (e, l) in enumerate(exprs)],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "gridPos": {"w": w, "h": h},
        "options": {},
    }
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                  "stacking": {"mode": "normal" if stack else "none"}}
        p["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}}
    if kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value", "graphMode": "area"}
    if max_ is not None:
        p["fieldConfig"]["defaults"]["max"] = max_
    return p


def dashboard(uid, title, panels, variables=()):
    x = y = 0
    row_h = 0
    for i, p in enumerate(panels):
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y = 0, y + row_h
            row_h = 0
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
        p["id"] = i + 1
        x += w
        row_h = max(row_h, h)
    templating = [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source",
                   "current": {}, "hide": 0}]
    for name, query, label in variables:
        templating.append({"name": name, "type": "query", "label": label, "datasource": DS,
                           "query": {"query": query, "refId": "vars"}, "definition": query,
                           "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
                           "current": {"text": "All", "value": "$__all"}, "hide": 0, "sort": 1})
    return {
        "uid": uid,
        "title": title,
        "tags": ["v2v", "mail"],
        "timezone": "utc",
        "schemaVersion": 38,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": templating},
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["v2v"], "asDropdown": True, "title": "V2V Mail"}],
        "panels": panels,
    }


C = 'client=~"$client"'
CLIENTS = [("client", "label_values(v2v_delivery_events_total, client)", "Client")]

delivery = dashboard("v2v-delivery", "V2V Mail / Delivery", [
    panel("Sent (submitted to Postfix) per second",
          [('sum(rate(v2v_delivery_events_total{event="submitted",%s}[5m]))' % C, "submitted")], "reqps", "stat", w=6, h=5),
    panel("Delivery rate (delivered / submitted, 1 h)",
          [('sum(increase(v2v_delivery_events_total{event="delivered",%s}[1h])) / '
            'sum(increase(v2v_delivery_events_total{event="submitted",%s}[1h]))' % (C, C), "delivered")],
          "percentunit", "stat", w=6, h=5, max_=1),
    panel("Deferred per second", [('sum(rate(v2v_delivery_events_total{event="deferred",%s}[5m]))' % C, "deferred")],
          "reqps", "stat", w=6, h=5),
    panel("Failed per second (refused by Postfix, out of attempts)",
          [('sum(rate(v2v_delivery_events_total{event="failed",%s}[5m]))' % C, "failed")], "reqps", "stat", w=6, h=5),
    panel("Delivery events per second",
          [('sum by (event) (rate(v2v_delivery_events_total{%s}[5m]))' % C, "{{event}}")], "reqps", w=24, h=9,
          desc="Events recorded in the database by the gateway (submitted, failed, deferred, suppressed) and the "
               "bounce parser (delivered, bounced, complained, auto_replied)."),
    panel("Submitted per client", [('sum by (client) (rate(v2v_delivery_events_total{event="submitted",%s}[5m]))' % C,
                                    "{{client}}")], "reqps", stack=True),
    panel("Suppressed recipients per client",
          [('sum by (client) (rate(v2v_delivery_events_total{event="suppressed",%s}[5m]))' % C, "{{client}}")],
          "reqps", stack=True),
    panel("Opens, clicks and unsubscribes per second",
          [("sum by (event) (rate(v2v_tracking_events_total[5m]))", "{{event}}")], "reqps"),
    panel("Injection results (SMTP to Postfix)",
          [("sum by (result) (rate(v2v_injections_total[5m]))", "{{result}}")], "reqps", stack=True),
], CLIENTS)

bounces = dashboard("v2v-bounces", "V2V Mail / Bounces and complaints", [
    panel("Bounce rate (1 h)", [('sum(increase(v2v_delivery_events_total{event="bounced",%s}[1h])) / '
                                 'sum(increase(v2v_delivery_events_total{event="submitted",%s}[1h]))' % (C, C), "bounced")],
          "percentunit", "stat", w=8, h=5),
    panel("Complaint rate (6 h)", [('sum(increase(v2v_delivery_events_total{event="complained",%s}[6h])) / '
                                    'sum(increase(v2v_delivery_events_total{event="submitted",%s}[6h]))' % (C, C),
                                    "complained")], "percentunit", "stat", w=8, h=5,
          desc="Gmail and Yahoo reject bulk mail above 0.3 %."),
    panel("Hard bounces per hour", [('sum(increase(v2v_bounces_total{type="hard"}[1h]))', "hard")], "short", "stat",
          w=8, h=5),
    panel("Bounce rate per client (1 h)",
          [('sum by (client) (increase(v2v_delivery_events_total{event="bounced",%s}[1h])) / '
            'sum by (client) (increase(v2v_delivery_events_total{event="submitted",%s}[1h]))' % (C, C), "{{client}}")],
          "percentunit", w=12),
    panel("Complaint rate per client (6 h)",
          [('sum by (client) (increase(v2v_delivery_events_total{event="complained",%s}[6h])) / '
            'sum by (client) (increase(v2v_delivery_events_total{event="submitted",%s}[6h]))' % (C, C), "{{client}}")],
          "percentunit", w=12),
    panel("Bounces by type", [("sum by (type) (rate(v2v_bounces_total[5m]))", "{{type}}")], "reqps", stack=True),
    panel("Bounces by reason (top 10, 1 h)",
          [("topk(10, sum by (reason) (increase(v2v_bounces_total[1h])))", "{{reason}}")], "short", "bargauge",
          desc="Sisimai reasons: userunknown, mailboxfull, blocked, spamdetected, ..."),
    panel("Auto-replies per second",
          [('sum(rate(v2v_delivery_events_total{event="auto_replied",%s}[5m]))' % C, "auto_replied")], "reqps"),
], CLIENTS)

queue = dashboard("v2v-queue", "V2V Mail / Queue", [
    panel("Waiting to be injected", [('sum(v2v_queue_depth{queue="inject"})', "inject")], "short", "stat", w=6, h=5),
    panel("Scheduled (send_at and retries)", [('sum(v2v_queue_depth{queue="scheduled"})', "scheduled")], "short",
          "stat", w=6, h=5),
    panel("In progress", [('sum(v2v_queue_depth{queue="pending"})', "pending")], "short", "stat", w=6, h=5),
    panel("Dead letters", [('sum(v2v_queue_depth{queue="dead_letter"})', "dead_letter")], "short", "stat", w=6, h=5,
          desc="v2vctl dlq list / replay"),
    panel("Queue depth", [("sum by (queue) (v2v_queue_depth)", "{{queue}}")], "short", w=24),
    panel("Injections per second by result", [("sum by (result) (rate(v2v_injections_total[5m]))", "{{result}}")],
          "reqps", stack=True),
    panel("SMTP submission latency",
          [("histogram_quantile(0.5, sum by (le) (rate(v2v_injection_duration_seconds_bucket[5m])))", "p50"),
           ("histogram_quantile(0.99, sum by (le) (rate(v2v_injection_duration_seconds_bucket[5m])))", "p99")], "s"),
    panel("Rate-limited requests per second", [("sum(rate(v2v_rate_limited_requests_total[5m]))", "429")], "reqps"),
    panel("Accepted sends per second (HTTP 202)",
          [('sum(rate(v2v_http_requests_total{route="/api/v1/email/send",status="202"}[5m]))', "send"),
           ('sum(rate(v2v_http_requests_total{route="/api/v1/email/batch",status="200"}[5m]))', "batch requests")],
          "reqps"),
])

system = dashboard("v2v-system", "V2V Mail / System health", [
    panel("Gateway ready", [("min(v2v_gateway_ready)", "ready")], "bool_yes_no", "stat", w=6, h=5),
    panel("Processes up", [('up{job=~"v2v-.*"}', "{{job}} {{instance}}")], "bool_yes_no", "stat", w=6, h=5),
    panel("Dependencies", [("min by (dependency) (v2v_dependency_up)", "{{dependency}}")], "bool_yes_no", "stat",
          w=12, h=5),
    panel("HTTP requests per second by status",
          [("sum by (status) (rate(v2v_http_requests_total[5m]))", "{{status}}")], "reqps", stack=True),
    panel("HTTP 5xx ratio", [('sum(rate(v2v_http_requests_total{status=~"5.."}[5m])) / '
                              'sum(rate(v2v_http_requests_total[5m]))', "5xx")], "percentunit"),
    panel("HTTP latency by route (p95)",
          [("histogram_quantile(0.95, sum by (le, route) (rate(v2v_http_request_duration_seconds_bucket[5m])))",
            "{{route}}")], "s"),
    panel("HTTP requests per second by route",
          [("sum by (route, method) (rate(v2v_http_requests_total[5m]))", "{{method}} {{route}}")], "reqps"),
    panel("Milter messages per second", [("sum by (direction, action) (rate(v2v_milter_messages_total[5m]))",
                                          "{{direction}} {{action}}")], "reqps", stack=True),
    panel("Milter errors per second", [("sum by (stage) (rate(v2v_milter_errors_total[5m]))", "{{stage}}")], "reqps"),
    panel("DKIM signing", [("sum by (result) (rate(v2v_milter_dkim_sign_total[5m]))", "{{result}}"),
                           ("sum by (algorithm) (rate(v2v_milter_dkim_signatures_total[5m]))", "signatures {{algorithm}}")],
          "reqps"),
    panel("DKIM verification (inbound)", [("sum by (result) (rate(v2v_milter_dkim_verify_total[5m]))", "{{result}}")],
          "reqps", stack=True),
    panel("SPF results (inbound)", [("sum by (result) (rate(v2v_milter_spf_total[5m]))", "{{result}}")], "reqps",
          stack=True),
    panel("Tracking rewrites per second", [("sum(rate(v2v_milter_body_rewrites_total[5m]))", "bodies rewritten"),
                                           ("sum by (outcome) (rate(v2v_milter_tracking_total[5m]))", "{{outcome}}")],
          "reqps", desc="Outbound mail that asked for tracking: rewritten, unchanged, failed or uncorrelated "
                        "(the last two are sent without tracking)."),
    panel("Milter callback latency (p99)",
          [("histogram_quantile(0.99, sum by (le, callback) (rate(v2v_milter_callback_duration_seconds_bucket[5m])))",
            "{{callback}}")], "s"),
    panel("CPU", [('rate(process_cpu_seconds_total{job=~"v2v-.*"}[5m])', "{{job}}")], "percentunit"),
    panel("Resident memory", [('process_resident_memory_bytes{job=~"v2v-.*"}', "{{job}}")], "bytes"),
    panel("Open file descriptors", [('process_open_fds{job=~"v2v-.*"}', "{{job}}")], "short"),
    panel("Uptime", [('time() - process_start_time_seconds{job=~"v2v-.*"}', "{{job}}")], "s", "stat"),
    panel("Metrics refresh age", [("time() - v2v_monitor_last_refresh_timestamp_seconds", "{{instance}}")], "s",
          desc="The delivery and queue metrics are read from SQLite and Redis every gateway.metrics_refresh_seconds."),
    panel("Metrics refresh errors", [("sum(increase(v2v_monitor_refresh_errors_total[1h]))", "errors")], "short",
          "stat"),
    panel("Versions", [("v2v_build_info", "{{program}} {{version}}")], "short", "stat"),
])

DASHBOARDS = {"v2v-delivery": delivery, "v2v-bounces": bounces, "v2v-queue": queue, "v2v-system": system}


def write(directory):
    for name, d in DASHBOARDS.items():
        with open(os.path.join(directory, name + ".json"), "w") as f:
            json.dump(d, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    write(out)
    print("wrote %d dashboards in %s" % (len(DASHBOARDS), out))
