# monitoring: Prometheus scrape config, alert rules (+ promtool tests) and
# Grafana dashboards, installed under $(datadir)/v2v/monitoring.
v2vmondir = $(datadir)/v2v/monitoring
dist_v2vmon_DATA = monitoring/README.md monitoring/prometheus.yml monitoring/v2v-alerts.yml
v2vmontestdir = $(v2vmondir)/tests
dist_v2vmontest_DATA = monitoring/tests/v2v-alerts.test.yml
v2vgrafanadir = $(v2vmondir)/grafana
dist_v2vgrafana_DATA = monitoring/grafana/v2v-delivery.json monitoring/grafana/v2v-bounces.json \
	monitoring/grafana/v2v-queue.json monitoring/grafana/v2v-system.json
v2vgrafanaprovdir = $(v2vgrafanadir)/provisioning
dist_v2vgrafanaprov_DATA = monitoring/grafana/provisioning/v2v-dashboards.yml \
	monitoring/grafana/provisioning/v2v-datasource.yml
EXTRA_DIST += monitoring/grafana/generate.py
