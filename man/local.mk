# man: filled in by its component
dist_man_MANS += man/v2v-milter.8
