"""Review (session 22): an address is one account's however it is spelled. Django's SMTP backend
sends mail to a domain's IDNA encoding, which folds width, case and compatibility forms (NFKC):
mail to `kate@example.org` typed in full-width letters reaches `kate@example.org`, and mail
to `ada@xn--exmple-cua.org` reaches `ada@exämple.org`. Sign-up compared the strings only, so each
spelling made a second account of one mailbox, whose owner was sent its verification link (a
click, expecting their own, signed them in to an account whose password another had chosen).
And a local part with a letter that Django's validator takes only through case folding (a long
s, U+017F) made an account that no mail reached: Django sends such a local part as a MIME encoded
word. Personas: Kate and Ada, who own their mailboxes; a sign-up by someone else."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts.models import User
from outings.accounts.selectors import users_with_address

# A fresh SMTP connection for each test, as there.
from outings.accounts.tests.test_review_session17_mail import _fresh_connections  # noqa: F401
from outings.catalog.tests.factories import UserFactory
from outings.common.outbox import relay
from outings.notifications.tests.smtp_sink import SmtpSink

PASSWORD = "a-long-pass-phrase-9"


def _sign_up(email: str) -> Any:
    return Client().post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def _received(sink: SmtpSink) -> list[tuple[list[str], bytes]]:
    """Deliver the queued mail to the SMTP server: (envelope recipients, content) of each."""
    received: list[tuple[list[str], bytes]] = []
    accept = sink.recorder.handle_DATA

    async def record(server: Any, session: Any, envelope: Any) -> str:
        received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return await accept(server, session, envelope)

    sink.recorder.handle_DATA = record  # type: ignore[method-assign]
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)
    return received


@pytest.mark.django_db(transaction=True)
def test_a_full_width_spelling_of_a_taken_address_makes_no_second_account(sink):
    kate = UserFactory.create(email="kate@example.org")

    response = _sign_up("kate@ｅｘａｍｐｌｅ.org")

    assert response.status_code == 302
    assert list(User.objects.values_list("pk", flat=True)) == [kate.pk]
    assert not EmailAddress.objects.exists()
    [(recipients, content)] = _received(sink)
    assert recipients == ["kate@example.org"]
    assert b"an account using that email address already exists" in content


@pytest.mark.django_db
def test_the_unicode_and_the_punycode_spelling_of_a_domain_are_one_address():
    assert _sign_up("ada@exämple.org").status_code == 302

    response = _sign_up("ADA@xn--exmple-cua.org")

    assert response.status_code == 302
    assert list(User.objects.values_list("email", flat=True)) == ["ada@exämple.org"]
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["ada@exämple.org"]


@pytest.mark.django_db
def test_an_address_no_mail_can_reach_is_refused_and_makes_nothing():
    response = _sign_up("adſ@example.org")

    assert response.status_code == 200
    assert "our mail cannot reach other characters there" in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


@pytest.mark.django_db
def test_an_account_made_anywhere_keeps_its_address_as_mail_reaches_it():
    user = User.objects.create_user(username="bee", email="Bee@ＥＸＡＭＰＬＥ.org")

    user.refresh_from_db()
    assert user.email == "bee@example.org"
    assert list(users_with_address(email="BEE@ｅｘａｍｐｌｅ.org")) == [user]


@pytest.mark.django_db
def test_the_admin_refuses_a_full_width_spelling_of_a_taken_address_and_makes_nothing():
    UserFactory.create(email="kate@example.org")
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "kate2",
            "email": "kate@ｅｘａｍｐｌｅ.org",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="kate2").exists()


@pytest.mark.django_db
def test_the_addresses_admin_keeps_an_address_as_mail_reaches_it():
    bee = UserFactory.create(email="bee@example.org")
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/account/emailaddress/add/",
        {"user": bee.pk, "email": "bee.work@ＥＸＡＭＰＬＥ.org", "verified": "", "primary": ""},
    )

    assert response.status_code == 302
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["bee.work@example.org"]
