# v2vctl: admin CLI.
sbin_PROGRAMS += ctl/v2vctl
ctl_v2vctl_SOURCES = ctl/main.cc ctl/args.cc ctl/args.h ctl/commands.h ctl/client_cmd.cc ctl/config_cmd.cc
ctl_v2vctl_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_CFLAGS) $(SQLITE_CFLAGS)
ctl_v2vctl_LDADD = $(V2V_LIBS)
