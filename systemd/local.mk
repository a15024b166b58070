# systemd units (hardened; paths substituted at build time), the timer of the
# daily maintenance and the sysusers.d file creating the users.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = systemd/v2v-gateway.service systemd/v2v-milter.service systemd/v2v-maintenance.service
dist_systemdunit_DATA = systemd/v2v-maintenance.timer
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = systemd/v2v.conf
EXTRA_DIST += systemd/v2v-gateway.service.in systemd/v2v-milter.service.in systemd/v2v-maintenance.service.in \
	systemd/v2v.sysusers.conf
CLEANFILES += $(systemdunit_DATA) systemd/v2v.conf

systemd_edit = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'
systemd/%.service: $(top_srcdir)/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(systemd_edit) $< >$@.tmp && mv $@.tmp $@
systemd/v2v.conf: $(top_srcdir)/systemd/v2v.sysusers.conf
	$(AM_V_GEN)$(MKDIR_P) systemd && cp $< $@
