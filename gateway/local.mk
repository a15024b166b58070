# v2v-gateway: REST API + injector. All logic in libgateway.a (linked by the unit
# tests); Pistache headers only in the *_api.cc / http_util / server files.
noinst_LIBRARIES += gateway/libgateway.a
gateway_libgateway_a_SOURCES = \
	gateway/api_error.h \
	gateway/api_values.cc gateway/api_values.h \
	gateway/app.cc gateway/app.h \
	gateway/auth.cc gateway/auth.h \
	gateway/batch_service.cc gateway/batch_service.h \
	gateway/email_read.cc gateway/email_read.h \
	gateway/email_store.cc gateway/email_store.h \
	gateway/failure.cc gateway/failure.h \
	gateway/idempotency.cc gateway/idempotency.h \
	gateway/injector.cc gateway/injector.h \
	gateway/json_body.cc gateway/json_body.h \
	gateway/jwt_auth.cc gateway/jwt_auth.h \
	gateway/gmime_ptr.h gateway/mime_build.cc gateway/mime_build.h \
	gateway/mime_simple.cc gateway/mime_simple.h \
	gateway/ops_metrics.cc gateway/ops_metrics.h \
	gateway/ops_monitor.cc gateway/ops_monitor.h \
	gateway/queue.cc gateway/queue.h \
	gateway/rate_limit.cc gateway/rate_limit.h \
	gateway/raw_answer.cc gateway/raw_answer.h \
	gateway/answer_writes.cc gateway/answer_writes.h \
	gateway/redis_client.cc gateway/redis_client.h \
	gateway/request_ops.cc gateway/request_ops.h \
	gateway/route_table.cc gateway/route_table.h \
	gateway/send_committer.cc gateway/send_committer.h \
	gateway/send_request.cc gateway/send_request.h \
	gateway/send_service.cc gateway/send_service.h \
	gateway/smtp_client.cc gateway/smtp_client.h \
	gateway/smtp_probe.cc gateway/smtp_probe.h \
	gateway/smtp_protocol.cc gateway/smtp_protocol.h \
	gateway/suppression_store.cc gateway/suppression_store.h \
	gateway/template_render.cc gateway/template_render.h \
	gateway/template_service.cc gateway/template_service.h \
	gateway/template_store.cc gateway/template_store.h \
	gateway/tracking_events.cc gateway/tracking_events.h \
	gateway/tracking_stats.cc gateway/tracking_stats.h \
	gateway/unsubscribe.cc gateway/unsubscribe.h
gateway_libgateway_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_CFLAGS) $(SQLITE_CFLAGS) $(HIREDIS_CFLAGS) \
	$(GMIME_CFLAGS) $(JWT_CFLAGS) $(SODIUM_CFLAGS) $(YAML_CFLAGS) $(PROMETHEUS_CFLAGS) $(URING_CFLAGS)
# The OpenAPI document, compiled in (served at /api/v1/openapi.yaml; names the routes in metrics).
nodist_gateway_libgateway_a_SOURCES = gateway/openapi_text.cc
CLEANFILES += gateway/openapi_text.cc
gateway/openapi_text.cc: $(top_srcdir)/docs/api/openapi.yaml
	$(AM_V_GEN)$(MKDIR_P) gateway && { \
	  echo '// Generated from docs/api/openapi.yaml by gateway/local.mk: do not edit.'; \
	  echo 'extern const char* const v2vOpenApiYaml;'; \
	  echo 'const char* const v2vOpenApiYaml = R"V2VOPENAPI('; \
	  cat $(top_srcdir)/docs/api/openapi.yaml; \
	  echo ')V2VOPENAPI";'; } >$@.tmp && mv $@.tmp $@

GATEWAY_LIBS = gateway/libgateway.a $(V2V_LIBS) $(HIREDIS_LIBS) $(GMIME_LIBS) $(JWT_LIBS) $(SODIUM_LIBS) $(URING_LIBS) \
	$(V2V_METRICS_LIBS)

sbin_PROGRAMS += gateway/v2v-gateway
gateway_v2v_gateway_SOURCES = gateway/main.cc gateway/server.cc gateway/server.h \
	gateway/http_util.cc gateway/http_util.h gateway/resources.h \
	gateway/send_policy.cc gateway/send_policy.h \
	gateway/health_api.cc gateway/auth_api.cc gateway/email_api.cc \
	gateway/handler_prelude.cc gateway/handler_prelude.h \
	gateway/template_api.cc gateway/suppression_api.cc \
	gateway/tracking_api.cc gateway/tracking_api.h \
	gateway/ops_api.cc gateway/ops_api.h
gateway_v2v_gateway_CPPFLAGS = $(gateway_libgateway_a_CPPFLAGS) $(PISTACHE_CFLAGS)
gateway_v2v_gateway_LDADD = $(GATEWAY_LIBS) $(PISTACHE_LIBS) $(JEMALLOC_LIBS)

check_PROGRAMS += t/unit/gateway_test
TESTS += t/unit/gateway_test
t_unit_gateway_test_SOURCES = t/unit/gateway_main.cc t/unit/gateway_jwt_test.cc t/unit/gateway_send_test.cc \
	t/unit/gateway_smtp_test.cc t/unit/gateway_mime_test.cc t/unit/gateway_mime_simple_test.cc \
	t/unit/gateway_template_test.cc t/unit/gateway_records_test.cc \
	t/unit/gateway_tracking_test.cc t/unit/gateway_committer_test.cc t/unit/gateway_raw_answer_test.cc \
	t/unit/gateway_answer_writes_test.cc t/unit/socket_pair.h
t_unit_gateway_test_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/gateway $(gateway_libgateway_a_CPPFLAGS)
t_unit_gateway_test_LDADD = $(GATEWAY_LIBS) $(UNIT_LIBS)
