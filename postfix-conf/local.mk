# postfix-conf: filled in by its component
EXTRA_DIST += postfix-conf/main.cf.milter
EXTRA_DIST += postfix-conf/dev/main.cf.in postfix-conf/dev/master.cf.in postfix-conf/dev/transport.in \
	postfix-conf/dev/recipient_access.in
