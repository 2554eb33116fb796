"""Review (session 20): nobody was told when their password was changed or reset, or an address
was added to their account, removed from it or made its primary one: a stolen session (a laptop
left open) could take an account over without a word to its owner. Each of these now mails the
account (allauth's ACCOUNT_EMAIL_NOTIFICATIONS, and our own mail for an added address, which
allauth does not tell), through the outbox like every other account mail, in its reader's
language. Real outbox relay, real SMTP server (aiosmtpd)."""

import re
import zoneinfo
from email import message_from_bytes, policy
from email.message import Message

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from outings.accounts.mail import KIND
from outings.accounts.models import User
from outings.accounts.tests.reauth import reauthenticated

# A fresh SMTP connection for each test, as there.
from outings.accounts.tests.test_review_session17_mail import _fresh_connections  # noqa: F401
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox.testing import deliver
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
NEW_PASSWORD = "another-long-phrase-7"
RESET_LINK = re.compile(r"https?://[^\s/]+(/accounts/password/reset/key/\S+/)")


def _account(email: str = "kim@example.org", **extra: object) -> tuple[User, Client]:
    user = UserFactory.create(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    client = Client(HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="198.51.100.7")
    client.force_login(user)
    return user, reauthenticated(client)


def _received(sink: SmtpSink) -> list[Message]:
    with sink.as_backend():
        deliver("urgent")
    return [message_from_bytes(raw, policy=policy.default) for raw in sink.recorder.messages]


def _text(message: Message) -> str:
    part = message.get_payload(0) if message.is_multipart() else message
    assert isinstance(part, Message)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _told(sink: SmtpSink, subject: str) -> tuple[str, str]:
    """The one mail with `subject` the server received: (its recipient, its text)."""
    [told] = [message for message in _received(sink) if str(message["Subject"]) == subject]
    return str(told["To"]), _text(told)


def test_changing_the_password_is_told_to_the_accounts_address(sink, nudges):
    _, client = _account()

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert OutboxMessage.objects.filter(kind=KIND).count() == 1
    to, text = _told(sink, "[Outings] Password Changed")
    assert to == "kim@example.org"
    assert "Your password has been changed." in text
    assert "- IP address: 198.51.100.7" in text
    assert "- Browser: Firefox/140" in text


def _reset_password(sink: SmtpSink) -> None:
    """Ask for a reset of kim@example.org's password, follow the mailed link, set a new one."""
    client = Client()
    client.post("/accounts/password/reset/", {"email": "kim@example.org"})
    [reset_mail] = _received(sink)
    match = RESET_LINK.search(_text(reset_mail))
    assert match is not None
    form = client.get(match.group(1), follow=True)
    assert form.status_code == 200

    response = client.post(
        form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302


def test_resetting_the_password_is_told_to_the_accounts_address(sink, nudges):
    _account()

    _reset_password(sink)

    to, text = _told(sink, "[Outings] Password Reset")
    assert to == "kim@example.org"
    assert "Your password has been reset." in text


def test_adding_an_address_is_told_to_the_primary_address(sink, nudges):
    _, client = _account()

    response = client.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})

    assert response.status_code == 302
    to, text = _told(sink, "[Outings] Email Added")
    assert to == "kim@example.org"
    assert "Email address new@example.org has been added to your account." in text
    assert "- IP address: 198.51.100.7" in text


@pytest.mark.parametrize(
    ("action", "subject", "told"),
    [
        (
            "action_remove",
            "[Outings] Email Removed",
            "Email address other@example.org has been removed from your account.",
        ),
        (  # told to the address it replaces
            "action_primary",
            "[Outings] Email Changed",
            "Your email has been changed from kim@example.org to other@example.org.",
        ),
    ],
)
def test_removing_an_address_or_making_it_primary_is_told_to_the_primary_address(
    sink, nudges, action, subject, told
):
    user, client = _account()
    EmailAddress.objects.create(user=user, email="other@example.org", verified=True)

    response = client.post("/accounts/email/", {action: "", "email": "other@example.org"})

    assert response.status_code == 302
    to, text = _told(sink, subject)
    assert to == "kim@example.org"
    assert told in text


def test_the_notice_is_in_the_accounts_language_and_time_zone(sink, nudges):
    """Told to the old address, which is no longer User.email: still the account's reader."""
    user, client = _account(preferred_language="de", time_zone="Europe/Berlin")
    EmailAddress.objects.create(user=user, email="other@example.org", verified=True)

    before = timezone.now()
    client.post("/accounts/email/", {"action_primary": "", "email": "other@example.org"})
    after = timezone.now()

    to, text = _told(sink, "[Outings] E-Mail geändert")
    assert to == "kim@example.org"
    assert "Du erhältst diese E-Mail, weil" in text
    assert "an deinem Konto" in text
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    with translation.override("de"):  # and its zone named, as every time in mail and pages
        shown = {
            date_format(local, "DATETIME_FORMAT") + " " + date_format(local, "T")
            for local in (timezone.localtime(moment, berlin) for moment in (before, after))
        }
    assert any(f"- Datum: {when}\r\n" in text for when in shown), (shown, text)


def test_the_added_address_notice_is_in_german_with_du(sink, nudges):
    _, client = _account(preferred_language="de")

    client.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})

    _, text = _told(sink, "[Outings] E-Mail-Adresse hinzugefügt")
    assert "Die E-Mail-Adresse new@example.org wurde deinem Konto hinzugefügt." in text


def test_the_german_reset_notice_says_the_password_was_reset_not_to_reset_it(sink, nudges):
    """allauth's subject for it is its page title "Password Reset", in German "Passwort
    zurücksetzen" ("reset the password"): a notice that reads like a request to act on."""
    _account(preferred_language="de")

    _reset_password(sink)

    _, text = _told(sink, "[Outings] Passwort zurückgesetzt")
    assert "Dein Passwort wurde zurückgesetzt." in text


def test_setting_a_password_on_an_account_without_one_is_told(sink, nudges):
    """An account made in the admin without a usable password sets its first one."""
    user, client = _account()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client.force_login(user)
    reauthenticated(client)

    response = client.post(
        "/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    to, text = _told(sink, "[Outings] Password Set")
    assert to == "kim@example.org"
    assert "Your password has been set." in text
