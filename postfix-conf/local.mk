# postfix-conf: filled in by its component
EXTRA_DIST += postfix-conf/main.cf.milter
