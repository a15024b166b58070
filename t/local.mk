# Unit tests (Boost.Test, shared library). Each component has one test binary;
# t/run-unit runs it and leaves a JUnit XML file for the summary of ./dev test.
LOG_COMPILER = $(top_srcdir)/t/run-unit
EXTRA_DIST += t/run-unit t/summarize

UNIT_CPPFLAGS = $(AM_CPPFLAGS) -DBOOST_TEST_DYN_LINK -DV2V_SRCDIR='"$(abs_top_srcdir)"'
UNIT_LIBS = $(BOOST_TEST_LIBS)

check_PROGRAMS += t/unit/lib_test
TESTS += t/unit/lib_test
t_unit_lib_test_SOURCES = t/unit/lib_main.cc t/unit/config_test.cc t/unit/ids_test.cc t/unit/log_test.cc \
	t/unit/verp_test.cc t/unit/db_test.cc t/unit/address_test.cc t/unit/config_docs_test.cc \
	t/unit/tracking_token_test.cc t/unit/temp_db.h
t_unit_lib_test_CPPFLAGS = $(UNIT_CPPFLAGS) $(YAML_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
t_unit_lib_test_LDADD = $(V2V_LIBS) $(UNIT_LIBS)

CLEANFILES += t/unit/*.junit.xml

# Integration tests (pytest against the dev stack) and their tools; golden files.
EXTRA_DIST += t/integration t/tools t/data
