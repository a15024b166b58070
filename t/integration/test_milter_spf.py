"""v2v-milter's SPF policy through the dev stack's Postfix (issue 4): from an
internet client (the machine's non-loopback address), an SPF fail is
rejected at MAIL FROM with 550 5.7.23, a temperror deferred with 451 4.7.24,
softfail and permerror tagged; after a SIGHUP reload with
milter.spf.fail_action: tag, the same fail is accepted and tagged. The SPF
records are t/data/milter/dev-spf.zone (milter.spf.test_zone_file)."""
import re
import uuid

from conftest import parse_message
from test_milter_dkim import milter_config, our_auth_results, outside_smtp, send_outside, wait_marker


def message(marker, sender):
    return ("From: %s\r\nTo: spf@inbound.test\r\nSubject: spf test\r\nX-Test-Marker: %s\r\n\r\nhello\r\n"
            % (sender, marker))


def mail_from_reply(stack, sender):
    """The reply to MAIL FROM:<sender> from an internet client."""
    with outside_smtp(stack) as s:
        return s.mail(sender)


def delivered(stack, sender):
    marker = "spf-%s" % uuid.uuid4().hex
    send_outside(stack, sender, "spf@inbound.test", message(marker, sender))
    return wait_marker(stack, marker)


def test_spf_fail_is_rejected_at_mail_from(stack):
    code, text = mail_from_reply(stack, "someone@spf-fail.test")
    assert code == 550, text
    assert text.startswith(b"5.7.23 SPF validation failed: spf-fail.test does not allow "), text


def test_spf_temperror_is_deferred(stack):
    code, text = mail_from_reply(stack, "someone@spf-temp.test")
    assert code == 451, text
    assert text.startswith(b"4.7.24 "), text


def test_spf_softfail_and_permerror_are_tagged(stack):
    got = delivered(stack, "someone@spf-soft.test")
    ar = our_auth_results(got)
    assert len(ar) == 1 and "spf=softfail smtp.mailfrom=someone@spf-soft.test" in ar[0], ar
    assert parse_message(got)["Received-SPF"].startswith("softfail")
    got = delivered(stack, "someone@spf-perm.test")
    assert "spf=permerror smtp.mailfrom=someone@spf-perm.test" in our_auth_results(got)[0]


def test_spf_pass_is_recorded(stack):
    got = delivered(stack, "someone@spf-pass.test")
    assert "spf=pass smtp.mailfrom=someone@spf-pass.test" in our_auth_results(got)[0]


def test_spf_fail_is_tagged_after_reload_with_fail_action_tag(stack):
    def tag(text):
        assert re.search(r"^    fail_action: reject$", text, re.M), "dev config without spf.fail_action"
        return re.sub(r"^    fail_action: reject$", "    fail_action: tag", text, flags=re.M)
    with milter_config(stack, tag):
        got = delivered(stack, "someone@spf-fail.test")
        ar = our_auth_results(got)
        assert len(ar) == 1 and "spf=fail smtp.mailfrom=someone@spf-fail.test" in ar[0], ar
    # The file is back and reloaded: rejecting again.
    code, _ = mail_from_reply(stack, "someone@spf-fail.test")
    assert code == 550
