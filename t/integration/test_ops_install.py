"""`make install DESTDIR=...` (issue 7) from the stack's build directory:
binaries, man pages, example configuration, hardened systemd units, Postfix
fragments, monitoring files and documents land in the usual places; every
man page renders; the units pass systemd-analyze."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

PREFIX = "/usr/local"
EXPECTED = [
    "sbin/v2v-gateway", "sbin/v2v-milter", "sbin/v2vctl", "libexec/v2v-bounce-parser",
    "share/man/man5/v2v.yaml.5", "share/man/man8/v2v-gateway.8", "share/man/man8/v2v-milter.8",
    "share/man/man8/v2vctl.8", "share/man/man8/v2v-bounce-parser.8",
    "etc/v2v/v2v.yaml.example",
    "lib/systemd/system/v2v-gateway.service", "lib/systemd/system/v2v-milter.service",
    "lib/systemd/system/v2v-maintenance.service", "lib/systemd/system/v2v-maintenance.timer",
    "lib/sysusers.d/v2v.conf",
    "share/v2v/postfix/main.cf.milter", "share/v2v/postfix/main.cf.v2v", "share/v2v/postfix/master.cf.v2v",
    "share/v2v/postfix/transport.v2v",
    "share/v2v/monitoring/prometheus.yml", "share/v2v/monitoring/v2v-alerts.yml",
    "share/v2v/monitoring/tests/v2v-alerts.test.yml", "share/v2v/monitoring/grafana/v2v-delivery.json",
    "share/v2v/monitoring/grafana/v2v-bounces.json", "share/v2v/monitoring/grafana/v2v-queue.json",
    "share/v2v/monitoring/grafana/v2v-system.json",
    "share/doc/v2v-mail/postfix-integration.md", "share/doc/v2v-mail/api/openapi.yaml",
]
HARDENING = ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
             "PrivateDevices=yes", "CapabilityBoundingSet=", "RestrictAddressFamilies=", "SystemCallFilter=@system-service",
             "MemoryDenyWriteExecute=yes", "UMask=0007"]


@pytest.fixture(scope="module")
def installed(stack):
    root = tempfile.mkdtemp(prefix="v2v-install-")
    try:
        p = subprocess.run(["make", "-C", stack.build, "install", "DESTDIR=" + root], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=1800)
        assert p.returncode == 0, p.stdout[-3000:]
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def path(root, rel):
    return os.path.join(root, PREFIX.lstrip("/"), rel)


def test_files_are_installed(installed):
    missing = [f for f in EXPECTED if not os.path.isfile(path(installed, f))]
    assert not missing, missing
    for b in ("sbin/v2v-gateway", "sbin/v2v-milter", "sbin/v2vctl", "libexec/v2v-bounce-parser"):
        assert os.access(path(installed, b), os.X_OK), b
    assert os.path.isdir(path(installed, "etc/v2v/dkim"))


def test_installed_programs_and_example_config_work(installed):
    for b in ("sbin/v2v-gateway", "sbin/v2v-milter", "sbin/v2vctl"):
        out = subprocess.run([path(installed, b), "--version"], stdout=subprocess.PIPE, text=True, check=True).stdout
        assert "0.1.0" in out, b
    example = path(installed, "etc/v2v/v2v.yaml.example")
    subprocess.run([path(installed, "sbin/v2vctl"), "-c", example, "config", "check"], check=True,
                   stdout=subprocess.DEVNULL)


@pytest.mark.parametrize("page", ["man5/v2v.yaml.5", "man8/v2v-gateway.8", "man8/v2v-milter.8", "man8/v2vctl.8",
                                  "man8/v2v-bounce-parser.8"])
def test_man_page_renders(installed, page):
    f = path(installed, "share/man/" + page)
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0")
    p = subprocess.run(["man", "--warnings", "-l", f], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    p.stdout = re.sub(".\b", "", p.stdout)  # overstrike bold/underline of a non-terminal
    name = os.path.basename(page).rsplit(".", 1)[0]
    assert re.search(r"^NAME\n\s+%s " % re.escape(name), p.stdout, re.M), p.stdout[:300]
    for section in ("SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
        assert re.search(r"^%s$" % section, p.stdout, re.M), section
    # Only layout notes (a long word that cannot be justified) are tolerated.
    problems = [l for l in p.stderr.splitlines() if l.strip() and "cannot adjust line" not in l]
    assert not problems, problems


def test_units_are_hardened_and_point_at_the_installed_files(installed):
    unitdir = path(installed, "lib/systemd/system")
    for name, user in (("v2v-gateway.service", "v2v-gateway"), ("v2v-milter.service", "v2v-milter"),
                       ("v2v-maintenance.service", "v2v-gateway")):
        text = open(os.path.join(unitdir, name)).read()
        assert "User=%s\n" % user in text, name
        for h in HARDENING:
            assert h in text, "%s lacks %s" % (name, h)
        assert "@" not in re.sub(r"@system-service|@privileged|@resources", "", text), "unsubstituted path in " + name
        assert PREFIX + "/sbin/" in text and "/etc/v2v/v2v.yaml" in text or "etc/v2v/v2v.yaml" in text
    gw = open(os.path.join(unitdir, "v2v-gateway.service")).read()
    assert "ReadWritePaths=/var/lib/v2v /var/log/v2v" in gw and "StateDirectory=v2v" in gw


def test_units_pass_systemd_analyze(installed):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    with tempfile.TemporaryDirectory() as d:
        # The units name /usr/local/...: point them at the DESTDIR copy so the binaries exist.
        for name in os.listdir(path(installed, "lib/systemd/system")):
            text = open(path(installed, "lib/systemd/system/" + name)).read()
            open(os.path.join(d, name), "w").write(text.replace(PREFIX + "/", path(installed, "")))
        units = sorted(os.path.join(d, n) for n in os.listdir(d))
        p = subprocess.run(["systemd-analyze", "verify", "--man=no"] + units, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        assert p.returncode == 0, p.stdout
        for svc in ("v2v-gateway.service", "v2v-milter.service"):
            p = subprocess.run(["systemd-analyze", "security", "--offline=true", os.path.join(d, svc)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            m = re.search(r"Overall exposure level for \S+: ([\d.]+)", p.stdout)
            assert m, p.stdout[-500:]
            assert float(m.group(1)) <= 2.0, "%s exposure %s" % (svc, m.group(1))


def test_postfix_fragments_have_the_bounce_pipe(installed):
    master = "".join(l for l in open(path(installed, "share/v2v/postfix/master.cf.v2v")) if not l.startswith("#"))
    assert re.search(r"^v2v-bounce\s+unix\s.*\spipe$", master, re.M)
    assert "user=v2v-bounce" in master and "user=root" not in master
    assert "v2v-bounce-parser" in master and "${recipient}" in master
    main = open(path(installed, "share/v2v/postfix/main.cf.v2v")).read()
    assert "v2v-bounce_destination_recipient_limit = 1" in main and "transport_maps" in main
    milter = open(path(installed, "share/v2v/postfix/main.cf.milter")).read()
    assert "smtpd_milters" in milter and "non_smtpd_milters" in milter
