"""v2v-milter in the dev stack's Postfix (issue 4): outbound mail from the
gateway and from sendmail(1) carries RSA and Ed25519 signatures that two
independent verifiers accept; inbound mail gets the right
Authentication-Results; forged results and internal headers are removed.

Verifiers: python3-dkim (dkimpy) and Perl Mail::DKIM, both given the keys of
$V2V_DKIM_RECORDS instead of DNS. Debian 12's Mail::DKIM (1.20230212) has no
Ed25519 support: the Perl script below adds the RFC 8463 algorithm to it
(Mail::DKIM still parses, canonicalizes and hashes; CryptX, whose Ed25519 is
libtomcrypt's, checks the signature), so neither check uses OpenSSL's
Ed25519 or libopendkim.

Inbound ("internet") mail is sent from the machine's non-loopback address
(loopback is internal, so outbound) to inbound.test, a domain the dev
Postfix relays to the sink for any client. libspf2 passes every loopback
client, so SPF needs a real address anyway."""
import contextlib
import email.utils
import os
import re
import signal
import smtplib
import socket
import subprocess
import uuid

import dkim
import pytest

from conftest import parse_message, wait_until

AUTHSERV_ID = "mta.v2v.test"  # milter.authserv_id of etc/v2v-dev.yaml.in


def outside_address():
    """The machine's non-loopback IPv4 address (no packet is sent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        ip = s.getsockname()[0]
    except OSError:
        ip = ""
    finally:
        s.close()
    if not ip or ip.startswith("127."):
        pytest.fail("no non-loopback IPv4 address to play an internet client from")
    return ip

PERL_VERIFIER = r'''
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;
use MIME::Base64;
use Crypt::PK::Ed25519;

my %rec;
open(my $f, '<', $ARGV[0]) or die "$ARGV[0]: $!";
while (<$f>) { chomp; my ($n, $v) = split / /, $_, 2; $rec{lc $n} = $v; }
close $f;

{   # DNS from the records file: TXT answers split in 255-byte strings.
    package FileResolver;
    sub new { bless {}, shift }
    sub send {
        my ($self, $name, $type) = @_;
        my $p = Net::DNS::Packet->new($name, $type);
        my $v = $rec{lc $name};
        if (defined $v && uc $type eq 'TXT') {
            my @chunks = ($v =~ /(.{1,255})/gs);
            $p->push(answer => Net::DNS::RR->new(name => $name, type => 'TXT', txtdata => \@chunks));
            $p->header->rcode('NOERROR');
        } else {
            $p->header->rcode('NXDOMAIN');
        }
        return $p;
    }
    sub errorstring { 'NOERROR' }
}
{   # RFC 8463 ed25519-sha256: PureEd25519 over the SHA-256 header hash.
    package Mail::DKIM::Algorithm::ed25519_sha256;
    use base 'Mail::DKIM::Algorithm::rsa_sha256';
    sub verify {
        my $self = shift;
        my $sig = MIME::Base64::decode_base64($self->signature->data);
        my $raw = MIME::Base64::decode_base64($self->signature->get_public_key->data);
        my $key = Crypt::PK::Ed25519->new;
        $key->import_key_raw($raw, 'public');
        return unless $key->verify_message($sig, $self->{header_digest}->digest);
        return $self->check_body_hash;
    }
}
{   # Accept k=ed25519 key records (a raw 32-byte key) next to k=rsa.
    package Ed25519Size;
    sub size { 32 }
}
{
    no warnings 'redefine';
    my $class = \&Mail::DKIM::Signature::get_algorithm_class;
    *Mail::DKIM::Signature::get_algorithm_class = sub {
        my ($self, $alg) = @_;
        return 'Mail::DKIM::Algorithm::ed25519_sha256' if $alg eq 'ed25519-sha256';
        return $class->($self, $alg);
    };
    my $check = \&Mail::DKIM::PublicKey::check;
    *Mail::DKIM::PublicKey::check = sub {
        my $self = shift;
        return $check->($self, @_) unless ($self->get_tag('k') // '') eq 'ed25519';
        my $p = $self->data;
        die "missing p= tag\n" unless defined $p;
        die "revoked\n" if $p eq '';
        die "invalid data\n" unless length(MIME::Base64::decode_base64($p)) == 32;
        return 1;
    };
    my $convert = \&Mail::DKIM::PublicKey::convert;
    *Mail::DKIM::PublicKey::convert = sub {
        my $self = shift;
        return $convert->($self, @_) unless ($self->get_tag('k') // '') eq 'ed25519';
        $self->cork(bless {}, 'Ed25519Size');
        return 1;
    };
}
Mail::DKIM::DNS::resolver(FileResolver->new);
my $dkim = Mail::DKIM::Verifier->new;
binmode STDIN;
while (my $line = <STDIN>) { $line =~ s/\r?\n\z/\r\n/; $dkim->PRINT($line); }
$dkim->CLOSE;
for my $s ($dkim->signatures) {
    printf "%s %s %s %s\n", $s->result, $s->algorithm, $s->selector, ($s->result_detail // '');
}
'''


def records(stack):
    recs = {}
    with open(stack.env["V2V_DKIM_RECORDS"]) as f:
        for line in f:
            name, value = line.rstrip("\n").split(" ", 1)
            recs[name.lower() + "."] = value.encode()
    return recs


def signature_tags(raw):
    """(selector, algorithm) of each DKIM-Signature, in header order."""
    msg = parse_message(raw)
    out = []
    for value in msg.get_all("DKIM-Signature", []):
        flat = re.sub(r"\s+", "", str(value))
        tags = dict(t.split("=", 1) for t in flat.split(";") if "=" in t)
        out.append((tags.get("s"), tags.get("a")))
    return out


def python_verify(raw, stack):
    """{(selector, algorithm): True/False} by python3-dkim."""
    recs = records(stack)
    d = dkim.DKIM(raw)

    def one(i):
        try:
            return d.verify(idx=i, dnsfunc=lambda name, timeout=5: recs.get(name.decode().lower()))
        except dkim.ValidationError:  # dkimpy raises on a body hash mismatch
            return False
    return {tags: one(i) for i, tags in enumerate(signature_tags(raw))}


def perl_verify(raw, stack):
    """{(selector, algorithm): result} by Perl Mail::DKIM."""
    p = subprocess.run(["perl", "-e", PERL_VERIFIER, stack.env["V2V_DKIM_RECORDS"]], input=raw,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, timeout=60)
    out = {}
    for line in p.stdout.decode().splitlines():
        result, algorithm, selector = line.split(" ", 3)[:3]
        out[(selector, algorithm)] = result
    assert out, "Mail::DKIM found no signature: " + p.stderr.decode()
    return out


BOTH = {("rsa1", "rsa-sha256"), ("ed1", "ed25519-sha256")}


def assert_signed_and_verified(raw, stack):
    assert set(signature_tags(raw)) == BOTH, signature_tags(raw)
    assert python_verify(raw, stack) == {k: True for k in BOTH}
    assert perl_verify(raw, stack) == {k: "pass" for k in BOTH}


def outside_smtp(stack):
    """An SMTP session into the stack's Postfix from an internet client."""
    s = smtplib.SMTP(stack.smtp_host, stack.smtp_port, timeout=30, source_address=(outside_address(), 0))
    s.ehlo("client.outside.test")
    return s


def send_outside(stack, mail_from, rcpt, data):
    with outside_smtp(stack) as s:
        s.sendmail(mail_from, [rcpt], data)


def wait_marker(stack, marker):
    """The delivered message whose header holds `marker`."""
    def arrived():
        for meta, got in stack.sink_messages():
            if marker.encode() in got.split(b"\r\n\r\n", 1)[0]:
                return got
        return None
    return wait_until(arrived, 30, what="message " + marker)


def our_auth_results(raw):
    msg = parse_message(raw)
    return [re.sub(r"\s+", " ", str(v)) for v in msg.get_all("Authentication-Results", [])
            if str(v).strip().lower().startswith(AUTHSERV_ID)]


def milter_sighup(stack, expect):
    """SIGHUPs the stack's milter and waits for `expect` (bytes) in its log."""
    log = os.path.join(stack.run, "log", "milter.log")
    with open(os.path.join(stack.run, "pids", "milter.pid")) as f:
        pid = int(f.read().strip())
    size = os.path.getsize(log)
    os.kill(pid, signal.SIGHUP)

    def logged():
        with open(log, "rb") as f:
            f.seek(size)
            return expect in f.read()
    wait_until(logged, 15, what="milter log: %r" % expect)


@contextlib.contextmanager
def milter_config(stack, edit, expect=b"reloaded:"):
    """Runs the block with run/v2v.yaml changed by edit(text) and reloaded,
    then puts the file back and reloads again."""
    with open(stack.config) as f:
        original = f.read()
    try:
        changed = edit(original)
        assert changed != original
        with open(stack.config, "w") as f:
            f.write(changed)
        milter_sighup(stack, expect)
        yield
    finally:
        with open(stack.config, "w") as f:
            f.write(original)
        milter_sighup(stack, b"reloaded:")


@pytest.fixture(scope="module")
def gateway_message(stack):
    """A message sent through the API, as delivered to the sink."""
    r = stack.send(to=["dkim-check@remote.test"], subject="dkim " + uuid.uuid4().hex,
                   text="Signed by v2v-milter.\nSecond line.\n")
    assert r.status == 202, r
    (meta, raw), = stack.wait_sink(r.json()["message_id"], timeout=20)
    return raw


@pytest.fixture(scope="module")
def smtp_message(stack):
    """A message an application submitted over SMTP from loopback (outbound),
    as delivered to the sink: the inbound tests replay it from outside."""
    msgid = "smtp-%s@%s" % (uuid.uuid4().hex, stack.from_domain)
    data = ("From: Shop <orders@%s>\r\nTo: dkim-smtp@remote.test\r\nSubject: Your order\r\n"
            "Date: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\nX-V2V-Email-Id: internal\r\n\r\n"
            "Signed by v2v-milter.\r\nSecond line.\r\n" % (stack.from_domain, email.utils.formatdate(), msgid))
    stack.smtp_send("orders@" + stack.from_domain, ["dkim-smtp@remote.test"], data)
    (meta, raw), = stack.wait_sink(msgid, timeout=20)
    return raw


def test_smtp_mail_from_loopback_is_signed(stack, smtp_message):
    assert_signed_and_verified(smtp_message, stack)
    assert b"X-V2V-Email-Id" not in smtp_message


def test_gateway_mail_is_signed_with_rsa_and_ed25519(stack, gateway_message):
    assert_signed_and_verified(gateway_message, stack)
    msg = parse_message(gateway_message)
    assert not [h for h in msg.keys() if h.lower().startswith("x-v2v-")]


def test_signature_covers_the_agreed_headers(smtp_message):
    msg = parse_message(smtp_message)
    for value in msg.get_all("DKIM-Signature"):
        flat = re.sub(r"\s+", "", str(value))
        assert "c=relaxed/relaxed" in flat
        h = re.search(r"(?:^|;)h=([^;]+)", flat).group(1).lower().split(":")
        assert h.count("from") == 2 and h.count("subject") == 2 and h.count("to") == 2  # oversigned
        assert "message-id" in h and "date" in h


def test_sendmail_mail_is_signed(stack):
    msgid = "sendmail-%s@%s" % (uuid.uuid4().hex, stack.from_domain)
    data = ("From: Local Sender <local@%s>\nTo: dkim-local@remote.test\nSubject: via sendmail\n"
            "Date: %s\nMessage-ID: <%s>\n\nSubmitted with sendmail(1).\n"
            % (stack.from_domain, email.utils.formatdate(), msgid))
    env = dict(os.environ, MAIL_CONFIG=os.path.join(stack.run, "postfix"))
    subprocess.run(["sendmail", "-f", "local@" + stack.from_domain, "-t"], input=data.encode(),
                   env=env, check=True, timeout=30)
    (meta, raw), = stack.wait_sink(msgid, timeout=30)
    assert_signed_and_verified(raw, stack)


def test_tampered_copy_fails_both_verifiers(stack, smtp_message):
    # The verifiers are not rubber stamps: one changed body line fails them.
    bad = smtp_message.replace(b"Second line.", b"Second line!")
    assert bad != smtp_message
    assert set(python_verify(bad, stack).values()) == {False}
    assert set(perl_verify(bad, stack).values()) == {"fail"}


def inject_inbound(stack, raw, rcpt):
    """Sends `raw` from an outside client and returns it as delivered."""
    marker = "inbound-%s" % uuid.uuid4().hex
    head, body = raw.split(b"\r\n\r\n", 1)
    data = b"X-Test-Marker: " + marker.encode() + b"\r\n" + head + b"\r\n\r\n" + body
    send_outside(stack, "news@spf-pass.test", rcpt, data)
    return wait_marker(stack, marker)


def test_inbound_good_signatures_get_dkim_pass(stack, smtp_message):
    got = inject_inbound(stack, smtp_message, "good@inbound.test")
    ar = our_auth_results(got)
    assert len(ar) == 1, ar
    assert re.search(r"dkim=pass header\.d=example\.test header\.s=rsa1 header\.a=rsa-sha256 header\.b=\S+", ar[0])
    assert re.search(r"dkim=pass header\.d=example\.test header\.s=ed1 header\.a=ed25519-sha256", ar[0])
    assert "spf=pass smtp.mailfrom=news@spf-pass.test" in ar[0]
    assert parse_message(got)["Received-SPF"].startswith("pass")


def test_inbound_broken_signature_gets_dkim_fail(stack, smtp_message):
    broken = smtp_message.replace(b"Signed by v2v-milter.", b"Signed by someone else.")
    got = inject_inbound(stack, broken, "broken@inbound.test")
    ar = our_auth_results(got)
    assert len(ar) == 1, ar
    assert len(re.findall(r"dkim=fail reason=\"[^\"]+\" header\.d=example\.test", ar[0])) == 2, ar[0]
    assert "dkim=pass" not in ar[0]


def test_inbound_forged_results_and_internal_headers_are_removed(stack):
    marker = "forged-%s" % uuid.uuid4().hex
    data = ("Authentication-Results: %s; dkim=pass header.d=bank.test\r\n"
            "Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n"
            "X-V2V-Email-Id: forged\r\nX-Test-Marker: %s\r\nFrom: someone@remote.test\r\n"
            "To: forged@inbound.test\r\nSubject: forged results\r\n\r\nhello\r\n" % (AUTHSERV_ID, marker))
    send_outside(stack, "someone@remote.test", "forged@inbound.test", data)
    got = wait_marker(stack, marker)
    ar = our_auth_results(got)
    assert len(ar) == 1 and "bank.test" not in ar[0], ar
    assert "dkim=none" in ar[0] and "spf=none smtp.mailfrom=someone@remote.test" in ar[0]
    msg = parse_message(got)
    assert any("other.example" in str(v) for v in msg.get_all("Authentication-Results"))
    assert msg["X-V2V-Email-Id"] is None


def test_bad_reload_keeps_the_running_keys(stack):
    # A key file that cannot be read: the reload fails, signing goes on.
    def break_key(text):
        return text.replace("/dkim/rsa1.private", "/dkim/missing.private", 1)
    with milter_config(stack, break_key, expect=b"reload failed, keeping the running configuration"):
        msgid = "reload-%s@%s" % (uuid.uuid4().hex, stack.from_domain)
        stack.smtp_send("orders@" + stack.from_domain, ["dkim-reload@remote.test"],
                        "From: orders@%s\r\nTo: dkim-reload@remote.test\r\nSubject: after a bad reload\r\n"
                        "Message-ID: <%s>\r\n\r\nstill signed\r\n" % (stack.from_domain, msgid))
        (meta, raw), = stack.wait_sink(msgid, timeout=20)
        assert_signed_and_verified(raw, stack)
