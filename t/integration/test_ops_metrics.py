"""Prometheus metrics of v2v-gateway and v2v-milter on the running stack
(issue 7): the endpoints list the documented metrics and the counters move
when mail flows through the API, Postfix, the milter and the bounce pipe."""
import uuid

from conftest import make_client, wait_until
from ops_util import Metrics, families, mail_through_everything, scrape, total

GATEWAY_FAMILIES = [
    "v2v_http_requests_total", "v2v_http_request_duration_seconds", "v2v_injections_total",
    "v2v_injection_duration_seconds", "v2v_rate_limited_requests_total", "v2v_delivery_events_total",
    "v2v_tracking_events_total", "v2v_bounces_total", "v2v_queue_depth", "v2v_dependency_up", "v2v_gateway_ready",
    "v2v_monitor_last_refresh_timestamp_seconds", "v2v_monitor_refresh_errors_total", "process_cpu_seconds_total",
    "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds", "v2v_build_info"]
MILTER_FAMILIES = [
    "v2v_milter_messages_total", "v2v_milter_dkim_sign_total", "v2v_milter_dkim_signatures_total",
    "v2v_milter_dkim_verify_total", "v2v_milter_spf_total", "v2v_milter_body_rewrites_total",
    "v2v_milter_callback_duration_seconds", "v2v_milter_errors_total", "process_cpu_seconds_total",
    "v2v_build_info"]


def test_gateway_metrics_endpoint(stack):
    ctype, text = scrape(stack.url + "/metrics")
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    m = Metrics(stack).gateway()
    for q in ("inject", "scheduled", "dead_letter", "pending"):
        assert ("v2v_queue_depth", frozenset({("queue", q)})) in m, q
    for d in ("sqlite", "redis", "postfix"):
        assert m[("v2v_dependency_up", frozenset({("dependency", d)}))] == 1, d
    assert m[("v2v_gateway_ready", frozenset())] == 1
    assert total(m, "v2v_build_info", program="v2v-gateway") == 1


def test_milter_metrics_endpoint(stack):
    ctype, text = scrape(Metrics(stack).milter_url)
    assert ctype.startswith("text/plain"), ctype
    names = families(text)
    for f in MILTER_FAMILIES:
        assert f in names or f + "_count" in names, f


def test_counters_move_when_mail_flows(stack):
    met = Metrics(stack)
    g0, m0 = met.gateway(), met.milter()
    cid, email_id = mail_through_everything(stack)

    def moved():
        g = met.gateway()
        ok = (total(g, "v2v_delivery_events_total", client=cid, event="submitted") == 2
              and total(g, "v2v_delivery_events_total", client=cid, event="bounced") == 1
              and total(g, "v2v_bounces_total", type="hard") > total(g0, "v2v_bounces_total", type="hard"))
        return g if ok else None
    g = wait_until(moved, 60, what="delivery metrics of client %s" % cid)
    assert total(g, "v2v_http_requests_total", method="POST", route="/api/v1/email/send", status="202") >= \
        total(g0, "v2v_http_requests_total", method="POST", route="/api/v1/email/send", status="202") + 1
    assert total(g, "v2v_injections_total", result="submitted") >= total(g0, "v2v_injections_total", result="submitted") + 2
    assert total(g, "v2v_injection_duration_seconds_count", result="submitted") >= \
        total(g0, "v2v_injection_duration_seconds_count", result="submitted") + 2
    assert total(g, "v2v_http_request_duration_seconds_count", route="/api/v1/email/send") >= 1
    assert families(scrape(met.gateway_url)[1]) >= set(GATEWAY_FAMILIES)

    m = met.milter()
    assert total(m, "v2v_milter_messages_total", direction="outbound", action="accept") >= \
        total(m0, "v2v_milter_messages_total", direction="outbound", action="accept") + 2
    assert total(m, "v2v_milter_messages_total", direction="inbound") >= total(m0, "v2v_milter_messages_total", direction="inbound") + 1
    assert total(m, "v2v_milter_dkim_sign_total", result="signed") >= total(m0, "v2v_milter_dkim_sign_total", result="signed") + 2
    for alg in ("rsa-sha256", "ed25519-sha256"):
        assert total(m, "v2v_milter_dkim_signatures_total", algorithm=alg) >= \
            total(m0, "v2v_milter_dkim_signatures_total", algorithm=alg) + 2, alg
    assert total(m, "v2v_milter_spf_total") >= total(m0, "v2v_milter_spf_total") + 1
    assert total(m, "v2v_milter_dkim_verify_total", result="none") >= total(m0, "v2v_milter_dkim_verify_total", result="none") + 1
    assert total(m, "v2v_milter_callback_duration_seconds_count", callback="end_of_message") >= \
        total(m0, "v2v_milter_callback_duration_seconds_count", callback="end_of_message") + 3


def test_requests_are_labelled_by_route_template(stack):
    met = Metrics(stack)
    before = total(met.gateway(), "v2v_http_requests_total", method="GET", route="/api/v1/email/{id}", status="404")
    ids = [uuid.uuid4().hex for _ in range(3)]
    for i in ids:
        assert stack.request("GET", "/api/v1/email/" + i).status == 404
    g = met.gateway()
    assert total(g, "v2v_http_requests_total", method="GET", route="/api/v1/email/{id}", status="404") >= before + 3
    # One series for every id, none per id: the label is the OpenAPI template.
    routes = {dict(ls).get("route") for (n, ls) in g if n == "v2v_http_requests_total"}
    assert not any(i in (r or "") for r in routes for i in ids)
    assert routes <= {r for r in routes if r == "other" or r.startswith("/")}


def test_rate_limited_requests_are_counted(stack):
    met = Metrics(stack)
    token = make_client(stack, "ops-rl-" + uuid.uuid4().hex[:8], rate=0.01, burst=1)
    before = total(met.gateway(), "v2v_rate_limited_requests_total")
    body = {"from": "rl@" + stack.from_domain, "to": ["rl@remote.test"], "subject": "rl", "text": "x"}
    assert stack.request("POST", "/api/v1/email/send", body, token=token).status == 202
    assert stack.request("POST", "/api/v1/email/send", body, token=token).status == 429
    assert total(met.gateway(), "v2v_rate_limited_requests_total") >= before + 1
