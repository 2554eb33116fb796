"""Review (session 21): an address is one account's, whichever table holds it. accounts 0009
made lower(User.email) unique, but the addresses admin (allauth's EmailAddress) added an
unverified address to an account while another account had it as its User.email or as an address
of its own, and the user admin set a User.email that another account holds as an address: allauth
finds an account by either (log-in, "forgot your password", which then offers one account's
reset to the address of another's owner). Both admin forms now refuse it, naming the account
that has it, and store nothing. Personas: support (staff with the address and user permissions),
a guest (Ada) whose address it is, another guest (Bee)."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/account/emailaddress/add/"


@pytest.fixture
def support() -> Client:
    user = UserFactory.create(
        is_staff=True,
        permissions=[
            *(f"account.{verb}_emailaddress" for verb in ("view", "add", "change")),
            "accounts.view_user",
            "accounts.change_user",
        ],
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ada() -> User:
    return UserFactory.create(username="ada", email="ada@example.org")


@pytest.fixture
def bee() -> User:
    return UserFactory.create(username="bee", email="bee@example.org")


def _refused(response: Any) -> bool:
    return response.status_code == 200 and "Another account (ada) has this address." in (
        response.content.decode()
    )


@pytest.mark.parametrize("typed", ["ada@example.org", "Ada@Example.ORG"])
def test_an_address_that_is_another_accounts_user_email_is_refused(support, ada, bee, typed):
    response = support.post(ADD, {"user": bee.pk, "email": typed, "verified": "", "primary": ""})

    assert _refused(response)
    assert not EmailAddress.objects.exists()


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
def test_an_address_that_another_account_has_as_an_address_is_refused(support, ada, bee, verified):
    EmailAddress.objects.create(user=ada, email="ada.work@example.org", verified=verified)

    response = support.post(
        ADD, {"user": bee.pk, "email": "ada.work@example.org", "verified": "", "primary": ""}
    )

    assert _refused(response)
    assert list(EmailAddress.objects.values_list("user__username", flat=True)) == ["ada"]


def test_an_address_changed_to_another_accounts_is_refused(support, ada, bee):
    address = EmailAddress.objects.create(user=bee, email="bee@example.org", primary=True)

    response = support.post(
        f"/admin/account/emailaddress/{address.pk}/change/",
        {"user": bee.pk, "email": "ada@example.org", "verified": "", "primary": "on"},
    )

    assert _refused(response)
    address.refresh_from_db()
    assert address.email == "bee@example.org"


def test_an_accounts_own_user_email_is_still_added_as_its_address(support, bee):
    response = support.post(
        ADD, {"user": bee.pk, "email": "Bee@example.org", "verified": "on", "primary": "on"}
    )

    assert response.status_code == 302
    assert list(EmailAddress.objects.values_list("user_id", "email", "verified")) == [
        (bee.pk, "bee@example.org", True)
    ]


def _user_form(user: User, **changes: str) -> dict[str, str]:
    joined = timezone.localtime(user.date_joined)
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
        **changes,
    }


def test_the_user_admin_refuses_an_address_another_account_has_as_an_address(support, ada, bee):
    EmailAddress.objects.create(user=ada, email="ada.work@example.org", verified=True)

    response = support.post(
        f"/admin/accounts/user/{bee.pk}/change/", _user_form(bee, email="ADA.work@example.org")
    )

    assert _refused(response)
    assert User.objects.get(pk=bee.pk).email == "bee@example.org"


def test_the_user_admin_still_changes_an_address_to_one_the_account_has(support, bee):
    EmailAddress.objects.create(user=bee, email="bee.work@example.org", verified=True)

    response = support.post(
        f"/admin/accounts/user/{bee.pk}/change/", _user_form(bee, email="bee.work@example.org")
    )

    assert response.status_code == 302
    assert User.objects.get(pk=bee.pk).email == "bee.work@example.org"


def test_the_user_admin_refuses_a_new_account_with_an_address_another_has(support, ada):
    EmailAddress.objects.create(user=ada, email="ada.work@example.org", verified=False)
    support_user = User.objects.get(is_staff=True)
    support_user.user_permissions.add(
        *support_user.user_permissions.model.objects.filter(codename="add_user")
    )

    response = support.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "email": "ada.work@example.org",
            "password1": "a-long-enough-pass-phrase-7",
            "password2": "a-long-enough-pass-phrase-7",
            "usable_password": "true",
        },
    )

    assert _refused(response)
    assert not User.objects.filter(username="newcomer").exists()
