"""Review (session 21): an address another account has as its User.email could be confirmed on a
second account. allauth lets a signed-in user add any address (enumeration prevention: it does
not say the address has an account) and refuses to confirm it only when another account has it
*verified* among allauth's addresses; an account whose address is not verified there yet (a
sign-up waiting for its link, one made by the admin or createsuperuser, whose first log-in mails
the link) has it only as its User.email. So Bee added Ada's address, Ada clicked the link she
got ("Please confirm your email address", as she expected one), and Ada's address was Bee's,
verified: Ada's own link then failed ("already confirmed by a different account") and, with
verification mandatory, Ada could no longer sign in, while "forgot your password" for her
address reset Bee's account. The confirmation is now refused with a message and changes nothing,
and Ada's own still works (accounts.adapter.AccountAdapter.confirm_email)."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.test import Client

from outings.accounts.models import User
from outings.accounts.tests.reauth import reauthenticated
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s/]+(/accounts/confirm-email/\S+/)")


def _confirm_link(to: str) -> str:
    mails = OutboxMessage.objects.filter(kind="accounts.mail", payload__to=[to]).order_by("-pk")
    mail = mails.first()
    assert mail is not None
    found = LINK.search(mail.payload["body"])
    assert found is not None
    return found.group(1)


@pytest.fixture
def ada() -> User:
    """Signed up, her link not followed yet: her address is in her account unverified."""
    user = UserFactory.create(username="ada", email="ada@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


@pytest.fixture
def bee() -> User:
    user = UserFactory.create(username="bee", email="bee@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _bee_adds_adas_address(bee: User) -> None:
    client = Client()
    client.force_login(bee)
    response = reauthenticated(client).post(
        "/accounts/email/", {"action_add": "", "email": "ada@example.org"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("adas_row", [True, False], ids=["signed-up", "made-by-the-admin"])
def test_an_address_another_account_has_cannot_be_confirmed_on_a_second(ada, bee, nudges, adas_row):
    if not adas_row:
        EmailAddress.objects.filter(user=ada).delete()
    _bee_adds_adas_address(bee)

    response = Client().post(_confirm_link("ada@example.org"), follow=True)

    assert response.status_code == 200
    assert "Unable to confirm ada@example.org: another account has this address." in (
        response.content.decode()
    )
    assert not EmailAddress.objects.get(user=bee, email="ada@example.org").verified
    assert EmailAddress.objects.get(user=bee, primary=True).email == "bee@example.org"


def test_the_owner_still_confirms_her_own_address_after_the_refusal(ada, bee, nudges):
    _bee_adds_adas_address(bee)
    bees_link = _confirm_link("ada@example.org")
    # Her own link, as her next log-in mails it (allauth's key of her address; the mail itself
    # waits for allauth's limit of one a few minutes to an address, which Bee's used up).
    own = EmailAddress.objects.get(user=ada)
    adas_link = f"/accounts/confirm-email/{EmailConfirmationHMAC(own).key}/"
    assert adas_link != bees_link
    Client().post(bees_link)  # refused

    response = Client().post(adas_link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(user=ada, email="ada@example.org").verified
    # Not verified on Bee's account: since session 23 it leaves it once Ada confirms it
    # (test_review_session23_squatted_address.py).
    assert not EmailAddress.objects.filter(user=bee, email="ada@example.org").exists()


def test_staff_cannot_mark_it_verified_in_bulk_either(ada, bee, nudges):
    """The admin's "Mark as verified" called allauth's set_verified, past the adapter: the
    address another account has is named and left unverified; the others are verified."""
    _bee_adds_adas_address(bee)
    other = EmailAddress.objects.create(user=bee, email="bee.work@example.org")
    boss = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    taken = EmailAddress.objects.get(user=bee, email="ada@example.org")

    response = client.post(
        "/admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [taken.pk, other.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Unable to confirm ada@example.org: another account has this address." in (
        response.content.decode()
    )
    assert not EmailAddress.objects.get(pk=taken.pk).verified
    assert EmailAddress.objects.get(pk=other.pk).verified
