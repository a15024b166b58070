# bounce-parser: v2v-bounce-parser, run by Postfix pipe(8) per report. All logic
# lives in the convenience library libbounce.a (linked by the unit tests too);
# main.cc only parses argv. Installed in libexecdir: Postfix runs it, not users.
noinst_LIBRARIES += bounce-parser/libbounce.a
bounce_parser_libbounce_a_SOURCES = \
	bounce-parser/report_address.cc bounce-parser/report_address.h \
	bounce-parser/cli.cc bounce-parser/cli.h \
	bounce-parser/correlate.cc bounce-parser/correlate.h \
	bounce-parser/dsn.cc bounce-parser/dsn.h \
	bounce-parser/feedback.cc \
	bounce-parser/lhost.h bounce-parser/lhost_order.cc \
	bounce-parser/lhost_util.cc bounce-parser/lhost_util.h \
	bounce-parser/lhost_amazon.cc \
	bounce-parser/lhost_exim.cc \
	bounce-parser/lhost_filters.cc \
	bounce-parser/lhost_google.cc \
	bounce-parser/lhost_microsoft.cc \
	bounce-parser/lhost_mobile.cc \
	bounce-parser/lhost_postfix.cc \
	bounce-parser/lhost_providers.cc \
	bounce-parser/lhost_qmail.cc \
	bounce-parser/lhost_relays.cc \
	bounce-parser/lhost_sendmail.cc \
	bounce-parser/lhost_servers.cc \
	bounce-parser/lhost_text.cc \
	bounce-parser/message.h \
	bounce-parser/mime.cc bounce-parser/mime.h \
	bounce-parser/output.cc bounce-parser/output.h \
	bounce-parser/parser.cc bounce-parser/parser.h \
	bounce-parser/reason.cc bounce-parser/reason.h bounce-parser/reason_rules.cc \
	bounce-parser/pattern.cc bounce-parser/pattern.h \
	bounce-parser/rfc3464.cc \
	bounce-parser/rhost.cc \
	bounce-parser/smtp.cc bounce-parser/smtp.h \
	bounce-parser/store.cc bounce-parser/store.h \
	bounce-parser/text.cc bounce-parser/text.h
bounce_parser_libbounce_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bounce-parser $(PCRE2_CFLAGS) \
	$(JSON_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) $(YAML_CFLAGS)

BOUNCE_LIBS = bounce-parser/libbounce.a $(V2V_LIBS) $(PCRE2_LIBS)

libexec_PROGRAMS += bounce-parser/v2v-bounce-parser
bounce_parser_v2v_bounce_parser_SOURCES = bounce-parser/main.cc
bounce_parser_v2v_bounce_parser_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bounce-parser
bounce_parser_v2v_bounce_parser_LDADD = $(BOUNCE_LIBS)
if STATIC_BOUNCE_PARSER
bounce_parser_v2v_bounce_parser_LDFLAGS = -static
endif

EXTRA_DIST += bounce-parser/LICENSE.sisimai

# Unit tests (Boost.Test): pure functions, golden files in t/data/bounce, a real SQLite file.
check_PROGRAMS += t/unit/bounce_test
TESTS += t/unit/bounce_test
t_unit_bounce_test_SOURCES = t/unit/bounce_main.cc t/unit/bounce_mime_test.cc t/unit/bounce_codes_test.cc \
	t/unit/bounce_golden_test.cc t/unit/bounce_store_test.cc t/unit/bounce_hostile_test.cc \
	t/unit/bounce_cli_test.cc
t_unit_bounce_test_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/bounce-parser $(SQLITE_CFLAGS)
t_unit_bounce_test_LDADD = $(BOUNCE_LIBS) $(UNIT_LIBS)
EXTRA_DIST += t/data/bounce
