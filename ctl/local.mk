# v2vctl: admin CLI. The testable parts (CSV, database maintenance, dead
# letters, key generation) are in libctl.a, linked by t/unit/ops_test too.
# v2vctl reuses the gateway's code (Redis queue, JWT, suppressions) and the
# milter's (DKIM key parsing and DNS records) by linking their libraries.
noinst_LIBRARIES += ctl/libctl.a
ctl_libctl_a_SOURCES = ctl/args.cc ctl/args.h ctl/csv.cc ctl/csv.h ctl/ctl_common.cc ctl/ctl_common.h \
	ctl/db_ops.cc ctl/db_ops.h ctl/dead_letters.cc ctl/dead_letters.h ctl/dkim_keygen.cc ctl/dkim_keygen.h
CTL_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/gateway -I$(top_srcdir)/milter $(JSON_CFLAGS) $(SQLITE_CFLAGS) \
	$(HIREDIS_CFLAGS) $(OPENSSL_CFLAGS) $(OPENDKIM_CFLAGS) $(YAML_CFLAGS) $(JWT_CFLAGS)
ctl_libctl_a_CPPFLAGS = $(CTL_CPPFLAGS)
CTL_LIBS = ctl/libctl.a $(GATEWAY_LIBS) $(MILTER_V2V_LIBS) $(OPENSSL_LIBS)

sbin_PROGRAMS += ctl/v2vctl
ctl_v2vctl_SOURCES = ctl/main.cc ctl/commands.h ctl/client_cmd.cc ctl/config_cmd.cc \
	ctl/token_cmd.cc ctl/dkim_cmd.cc ctl/suppression_cmd.cc ctl/dlq_cmd.cc ctl/stats_cmd.cc ctl/db_cmd.cc
ctl_v2vctl_CPPFLAGS = $(CTL_CPPFLAGS)
ctl_v2vctl_LDADD = $(CTL_LIBS)

# Unit tests of the operations code (gateway metrics/audit/routes, lib, v2vctl).
check_PROGRAMS += t/unit/ops_test
TESTS += t/unit/ops_test
t_unit_ops_test_SOURCES = t/unit/ops_main.cc t/unit/ops_fixtures.h t/unit/ops_gateway_test.cc \
	t/unit/ops_lib_test.cc t/unit/ops_ctl_test.cc
t_unit_ops_test_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/ctl $(CTL_CPPFLAGS) $(PROMETHEUS_CFLAGS)
t_unit_ops_test_LDADD = $(CTL_LIBS) $(UNIT_LIBS)
