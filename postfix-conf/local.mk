# postfix-conf: filled in by its component
# (main.cf.milter is distributed as dist_v2vpostfix_DATA below)
EXTRA_DIST += postfix-conf/dev/main.cf.in postfix-conf/dev/master.cf.in postfix-conf/dev/transport.in \
	postfix-conf/dev/recipient_access.in
# Production fragments, installed for the admin to merge (docs/postfix-integration.md).
v2vpostfixdir = $(datadir)/v2v/postfix
dist_v2vpostfix_DATA = postfix-conf/main.cf.milter postfix-conf/main.cf.v2v postfix-conf/master.cf.v2v \
	postfix-conf/transport.v2v
