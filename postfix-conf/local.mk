# postfix-conf: filled in by its component
