# libv2v: code shared by every program (config, SQLite store, logging, ids, VERP).
noinst_LIBRARIES += lib/libv2v.a
lib_libv2v_a_SOURCES = \
	lib/address.cc lib/address.h \
	lib/audit.cc lib/audit.h \
	lib/base64.cc lib/base64.h \
	lib/clients.cc lib/clients.h \
	lib/config.cc lib/config.h lib/config_doc.cc lib/config_keys.cc lib/config_schema.h \
	lib/db.cc lib/db.h lib/migrations.cc lib/db_checkpoint.cc lib/db_checkpoint.h \
	lib/dkim_key_table.cc lib/dkim_key_table.h \
	lib/ids.cc lib/ids.h \
	lib/log.cc lib/log.h \
	lib/metrics.cc lib/metrics.h \
	lib/records.cc lib/records.h \
	lib/text_checks.cc lib/text_checks.h \
	lib/thread_name.h \
	lib/tracking_token.cc lib/tracking_token.h \
	lib/verp.cc lib/verp.h \
	lib/write_all.h
lib_libv2v_a_CPPFLAGS = $(AM_CPPFLAGS) $(YAML_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) $(JSON_CFLAGS) $(IDN2_CFLAGS) $(PROMETHEUS_CFLAGS)

# What a program linking libv2v needs.
V2V_LIBS = lib/libv2v.a $(YAML_LIBS) $(SQLITE_LIBS) $(SODIUM_LIBS) $(IDN2_LIBS)
# lib/metrics.cc (Prometheus) is linked only by programs that call it; they add this.
V2V_METRICS_LIBS = $(PROMETHEUS_LIBS)
