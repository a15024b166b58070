# Benchmarks: ./dev bench [NAME] runs bench/NAME/run BUILD-DIR.
# bench/tools: a C++ SMTP load generator and sink (Python ones cap near
# 445 msg/s, below what Postfix does); any benchmark may use them.
noinst_PROGRAMS += bench/tools/smtp-load bench/tools/smtp-sink
bench_tools_smtp_load_SOURCES = bench/tools/smtp-load.cc bench/tools/line_socket.h
bench_tools_smtp_sink_SOURCES = bench/tools/smtp-sink.cc bench/tools/line_socket.h
EXTRA_DIST += bench/milter/run bench/milter/README.md

# bench/bounce: parse rate vs Sisimai and per-invocation time of the pipe program.
EXTRA_PROGRAMS += bench/bounce/bounce_bench
bench_bounce_bounce_bench_SOURCES = bench/bounce/bounce_bench.cc
bench_bounce_bounce_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bounce-parser $(SQLITE_CFLAGS)
bench_bounce_bounce_bench_LDADD = $(BOUNCE_LIBS)
CLEANFILES += bench/bounce/bounce_bench
EXTRA_DIST += bench/bounce/run bench/bounce/sisimai_rate.pl bench/bounce/fuzz_bounce.cc bench/bounce/fuzz

# bench/milter/sign-cost: per-message cost of handing libopendkim the key.
noinst_PROGRAMS += bench/milter/sign-cost
bench_milter_sign_cost_SOURCES = bench/milter/sign_cost.cc
bench_milter_sign_cost_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter $(OPENDKIM_CFLAGS) $(OPENSSL_CFLAGS)
bench_milter_sign_cost_LDADD = $(MILTER_V2V_LIBS)

# bench/gateway: HTTP figures with wrk (run) and the in-process cost of each stage.
EXTRA_PROGRAMS += bench/gateway/stages
bench_gateway_stages_SOURCES = bench/gateway/stages.cc
bench_gateway_stages_CPPFLAGS = $(gateway_libgateway_a_CPPFLAGS) -I$(top_srcdir)/gateway
bench_gateway_stages_LDADD = $(GATEWAY_LIBS)
CLEANFILES += bench/gateway/stages
EXTRA_DIST += bench/gateway/run bench/gateway/send.lua

# bench/tracking: the milter's tracking rewrite in process (tracking-bench) and
# pixel hits/s on a private gateway with events written, SIGTERM mid-load (run).
EXTRA_PROGRAMS += bench/tracking/tracking-bench
bench_tracking_tracking_bench_SOURCES = bench/tracking/tracking_bench.cc
bench_tracking_tracking_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter $(OPENDKIM_CFLAGS) $(OPENSSL_CFLAGS)
bench_tracking_tracking_bench_LDADD = $(MILTER_V2V_LIBS)
CLEANFILES += bench/tracking/tracking-bench
EXTRA_DIST += bench/tracking/run bench/tracking/pixel.lua bench/tracking/README.md
