"""Review (session 21): a change staff made to someone's account in the admin told its owner
nothing, where the same change made by the owner is told (ACCOUNT_EMAIL_NOTIFICATIONS, our
AddEmailForm): a password set, the account's address changed, an address added to it, changed,
verified or removed. Whoever holds a staff login (or fooled support into a change) could take an
account over without a word to its owner. Each of these now mails the account, through the
outbox like all account mail, in the account's language, saying our team made it (not the staff
member's IP address or browser). A deactivation is not told: the account can no longer sign in
to act on it, and telling is support's call. Real outbox relay, real SMTP server (aiosmtpd)."""

from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts.mail import KIND
from outings.accounts.models import User

# A fresh SMTP connection for each test, as there.
from outings.accounts.tests.test_review_session17_mail import _fresh_connections  # noqa: F401
from outings.accounts.tests.test_review_session21_addresses import _user_form
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox.testing import deliver
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db

SUBJECT = "[Outings] Our team changed your account"
NEW_PASSWORD = "a-new-long-pass-phrase-5"
STAFF_ADDRESS = "203.0.113.9"


@pytest.fixture
def support() -> Client:
    staff = UserFactory.create(
        is_staff=True,
        permissions=[
            "accounts.view_user",
            "accounts.change_user",
            *(f"account.{verb}_emailaddress" for verb in ("view", "add", "change", "delete")),
        ],
    )
    client = Client(REMOTE_ADDR=STAFF_ADDRESS, HTTP_USER_AGENT="StaffBrowser/1")
    client.force_login(staff)
    return client


@pytest.fixture
def kim() -> User:
    user = UserFactory.create(username="kim", email="kim@example.org", password="kims-own-phrase-3")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _told(sink: SmtpSink) -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of each mail the server received."""
    with sink.as_backend():
        deliver("urgent")
    told = []
    for raw in sink.recorder.messages:
        message = message_from_bytes(raw, policy=policy.default)
        part = message.get_payload(0) if message.is_multipart() else message
        assert isinstance(part, Message)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        told.append((str(message["To"]), str(message["Subject"]), payload.decode()))
    return told


def _one_notice(sink: SmtpSink, to: str, change: str) -> str:
    [(recipient, subject, text)] = _told(sink)
    assert (recipient, subject) == (to, SUBJECT)
    assert change in text
    assert "If you did not ask us for it, contact us at once." in text
    assert STAFF_ADDRESS not in text
    assert "StaffBrowser" not in text
    return text


def test_a_password_staff_set_is_told_to_the_account(support, kim, sink, nudges):
    response = support.post(
        f"/admin/accounts/user/{kim.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=kim.pk).check_password(NEW_PASSWORD)
    _one_notice(sink, "kim@example.org", "Our team set a new password for your account.")


def test_a_password_log_in_staff_turned_off_is_told(support, kim, sink, nudges):
    response = support.post(
        f"/admin/accounts/user/{kim.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=kim.pk).has_usable_password()
    _one_notice(sink, "kim@example.org", "Our team turned off signing in with a password")


def test_a_password_form_refused_tells_nothing(support, kim, nudges):
    response = support.post(
        f"/admin/accounts/user/{kim.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": "another", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert not OutboxMessage.objects.filter(kind=KIND).exists()


def test_the_accounts_address_changed_by_staff_is_told_to_the_address_it_replaces(
    support, kim, sink, nudges
):
    response = support.post(
        f"/admin/accounts/user/{kim.pk}/change/", _user_form(kim, email="kim.new@example.org")
    )

    assert response.status_code == 302
    _one_notice(
        sink,
        "kim@example.org",
        "Our team changed your account's email address from kim@example.org to "
        "kim.new@example.org.",
    )


def test_other_changes_staff_make_tell_nothing(support, kim, nudges):
    response = support.post(
        f"/admin/accounts/user/{kim.pk}/change/", _user_form(kim, first_name="Kimberly")
    )

    assert response.status_code == 302
    assert User.objects.get(pk=kim.pk).first_name == "Kimberly"
    assert not OutboxMessage.objects.filter(kind=KIND).exists()


def test_an_address_staff_added_to_an_account_is_told(support, kim, sink, nudges):
    response = support.post(
        "/admin/account/emailaddress/add/",
        {"user": kim.pk, "email": "kim.work@example.org", "verified": "on", "primary": ""},
    )

    assert response.status_code == 302
    _one_notice(
        sink,
        "kim@example.org",
        "Our team added the address kim.work@example.org to your account (verified).",
    )


@pytest.mark.parametrize(
    ("changes", "told"),
    [
        (
            {"email": "kim.home@example.org"},
            "Our team changed the address kim.work@example.org of your account to "
            "kim.home@example.org.",
        ),
        ({"verified": "on"}, "Our team marked the address kim.work@example.org as verified."),
        (
            {"primary": "on"},
            "Our team made kim.work@example.org the primary address of your account.",
        ),
    ],
    ids=["changed", "verified", "primary"],
)
def test_an_address_staff_changed_is_told(support, kim, sink, nudges, changes, told):
    address = EmailAddress.objects.create(user=kim, email="kim.work@example.org")
    if "primary" in changes:
        EmailAddress.objects.filter(user=kim, primary=True).update(primary=False)
    form: dict[str, Any] = {"user": kim.pk, "email": address.email, "verified": "", "primary": ""}

    response = support.post(
        f"/admin/account/emailaddress/{address.pk}/change/", {**form, **changes}
    )

    assert response.status_code == 302
    _one_notice(sink, "kim@example.org", told)


def test_an_address_staff_removed_is_told(support, kim, sink, nudges):
    address = EmailAddress.objects.create(user=kim, email="kim.work@example.org")

    response = support.post(f"/admin/account/emailaddress/{address.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not EmailAddress.objects.filter(pk=address.pk).exists()
    _one_notice(
        sink,
        "kim@example.org",
        "Our team removed the address kim.work@example.org from your account.",
    )


def test_the_notice_is_in_the_accounts_language(support, sink, nudges):
    user = UserFactory.create(username="jo", email="jo@example.org", preferred_language="de")

    support.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    [(recipient, subject, text)] = _told(sink)
    assert recipient == "jo@example.org"
    assert subject == "[Outings] Unser Team hat dein Konto geändert"
    assert "Unser Team hat ein neues Passwort für dein Konto gesetzt." in text


@pytest.mark.parametrize("user_id", ["999999", "not-a-number"])
def test_the_password_page_of_no_user_is_a_404_and_tells_nothing(support, user_id, nudges):
    response = support.post(
        f"/admin/accounts/user/{user_id}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 404
    assert not OutboxMessage.objects.filter(kind=KIND).exists()


def test_each_address_staff_mark_verified_in_bulk_is_told(support, kim, sink, nudges):
    work = EmailAddress.objects.create(user=kim, email="kim.work@example.org")
    other = UserFactory.create(username="lou", email="lou@example.org")
    home = EmailAddress.objects.create(user=other, email="lou@example.org", primary=True)

    response = support.post(
        "/admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [work.pk, home.pk]},
    )

    assert response.status_code == 302
    told = sorted((to, text.splitlines()[2]) for to, _subject, text in _told(sink))
    assert told == [
        ("kim@example.org", "Our team marked the address kim.work@example.org as verified."),
        ("lou@example.org", "Our team marked the address lou@example.org as verified."),
    ]


def test_each_address_staff_delete_in_bulk_is_told(support, kim, sink, nudges):
    work = EmailAddress.objects.create(user=kim, email="kim.work@example.org")
    old = EmailAddress.objects.create(user=kim, email="kim.old@example.org")

    response = support.post(
        "/admin/account/emailaddress/",
        {"action": "delete_selected", "_selected_action": [work.pk, old.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["kim@example.org"]
    told = sorted((to, text.splitlines()[2]) for to, _subject, text in _told(sink))
    assert told == [
        ("kim@example.org", "Our team removed the address kim.old@example.org from your account."),
        ("kim@example.org", "Our team removed the address kim.work@example.org from your account."),
    ]


def _addresses(user: User) -> list[tuple[str, bool, bool]]:
    return sorted(
        EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")
    )


def test_the_address_staff_replace_no_longer_signs_in_nor_gets_resets(support, kim, nudges):
    """allauth's addresses kept the old one, verified and primary: it still signed in and got
    "forgot your password" mail, however the account's address was changed (a mailbox lost or
    taken over, the reason support changes it). The new one replaces it there, unverified:
    its first log-in mails the link."""
    response = support.post(
        f"/admin/accounts/user/{kim.pk}/change/", _user_form(kim, email="kim.new@example.org")
    )

    assert response.status_code == 302
    assert _addresses(kim) == [("kim.new@example.org", False, True)]
    OutboxMessage.objects.all().delete()
    Client().post("/accounts/password/reset/", {"email": "kim@example.org"})
    [mail] = OutboxMessage.objects.filter(payload__to=["kim@example.org"])
    assert "/accounts/password/reset/key/" not in mail.payload["body"]  # "no account has it"


def test_an_address_the_account_has_already_becomes_its_primary_as_it_was(support, kim, nudges):
    EmailAddress.objects.create(user=kim, email="kim.work@example.org", verified=True)

    response = support.post(
        f"/admin/accounts/user/{kim.pk}/change/", _user_form(kim, email="kim.work@example.org")
    )

    assert response.status_code == 302
    assert _addresses(kim) == [("kim.work@example.org", True, True)]
