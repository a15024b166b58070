# man: filled in by its component
dist_man_MANS += man/v2v-milter.8
dist_man_MANS += man/v2v.yaml.5 man/v2v-gateway.8 man/v2vctl.8
EXTRA_DIST += man/update-config-docs
dist_man_MANS += man/v2v-bounce-parser.8
