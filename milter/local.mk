# v2v-milter: all logic in a convenience library (linked by the program and by
# t/unit/milter_test); main.cc is one call.
noinst_LIBRARIES += milter/libmilter_v2v.a
milter_libmilter_v2v_a_SOURCES = \
	milter/app.cc milter/app.h \
	milter/auth_results.cc milter/auth_results.h \
	milter/body_rewrite.h \
	milter/cli.cc milter/cli.h \
	milter/daemon.cc milter/daemon.h \
	milter/direction.cc milter/direction.h \
	milter/dkim_keys.cc milter/dkim_keys.h \
	milter/dkim_lib.cc milter/dkim_lib.h \
	milter/dkim_sign.cc milter/dkim_sign.h \
	milter/dkim_verify.cc milter/dkim_verify.h \
	milter/dispatcher.cc milter/dispatcher.h \
	milter/engine.cc milter/engine.h \
	milter/headers.cc milter/headers.h \
	milter/milter_io.h \
	milter/milter_metrics.cc milter/milter_metrics.h \
	milter/network.cc milter/network.h \
	milter/ossl.h \
	milter/preparsed_keys.cc milter/preparsed_keys.h \
	milter/protocol.cc milter/protocol.h \
	milter/runtime.cc milter/runtime.h \
	milter/session.cc milter/session.h \
	milter/spf.cc milter/spf.h \
	milter/spf_policy.cc milter/spf_policy.h \
	milter/tracking_html.cc milter/tracking_html.h \
	milter/tracking_mime.cc milter/tracking_mime.h \
	milter/tracking_stage.cc milter/tracking_stage.h \
	milter/transfer_encoding.cc milter/transfer_encoding.h
milter_libmilter_v2v_a_CPPFLAGS = $(AM_CPPFLAGS) $(YAML_CFLAGS) $(OPENDKIM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(PROMETHEUS_CFLAGS) \
	$(GMIME_CFLAGS) $(SODIUM_CFLAGS)

# What links the milter library (the program and its unit tests).
MILTER_V2V_LIBS = milter/libmilter_v2v.a $(V2V_LIBS) $(OPENDKIM_LIBS) $(SPF2_LIBS) $(OPENSSL_LIBS) \
	$(GMIME_LIBS) $(V2V_METRICS_LIBS) -ldl

sbin_PROGRAMS += milter/v2v-milter
milter_v2v_milter_SOURCES = milter/main.cc
milter_v2v_milter_CPPFLAGS = $(AM_CPPFLAGS)
milter_v2v_milter_LDADD = $(MILTER_V2V_LIBS)

# Unit tests of the milter (Boost.Test; t/local.mk has the common flags).
check_PROGRAMS += t/unit/milter_test
TESTS += t/unit/milter_test
t_unit_milter_test_SOURCES = t/unit/milter_main.cc t/unit/milter_fixtures.h t/unit/milter_tracking_fixtures.h \
	t/unit/milter_config_test.cc t/unit/milter_direction_test.cc t/unit/milter_dkim_test.cc \
	t/unit/milter_headers_test.cc t/unit/milter_keys_test.cc t/unit/milter_protocol_test.cc t/unit/milter_session_test.cc \
	t/unit/milter_spf_suite_test.cc t/unit/milter_spf_test.cc \
	t/unit/milter_tracking_test.cc t/unit/milter_tracking_golden_test.cc
t_unit_milter_test_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter $(YAML_CFLAGS) $(OPENDKIM_CFLAGS) $(OPENSSL_CFLAGS)
t_unit_milter_test_LDADD = $(MILTER_V2V_LIBS) $(UNIT_LIBS)

EXTRA_DIST += t/data/milter t/data/spf t/data/tracking
