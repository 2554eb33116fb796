"""Review (session 20) of the admin's email addresses. Session 19 let only superusers change the
addresses of staff and superusers (`outranks`), but not delete them: a staff member who may
delete addresses removed a superuser's (one by one or in bulk), which locks them out of the
log-in by email (verification is mandatory), and allauth's "Mark as verified" action verified
a superuser's address for anyone who may change addresses. Both follow the rule now; a guest's
addresses are as before. Personas: support (staff with every address permission), boss
(superuser), a guest."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/account/emailaddress/"


@pytest.fixture
def support() -> Client:
    user = UserFactory.create(
        is_staff=True,
        permissions=[
            f"account.{verb}_emailaddress" for verb in ("view", "add", "change", "delete")
        ],
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def boss() -> User:
    return UserFactory.create(is_staff=True, is_superuser=True)


def _address(user: User, *, verified: bool = True) -> EmailAddress:
    return EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)


@pytest.mark.parametrize(
    "rights", [{"is_staff": True, "is_superuser": True}, {"is_staff": True}], ids=["boss", "staff"]
)
def test_support_cannot_delete_the_address_of_someone_who_outranks_them(
    support: Client, rights: dict[str, bool]
):
    address = _address(UserFactory.create(**rights))

    asked = [support.get(f"{LIST}{address.pk}/delete/")]
    asked.append(support.post(f"{LIST}{address.pk}/delete/", {"post": "yes"}))

    assert [response.status_code for response in asked] == [403, 403]
    assert EmailAddress.objects.filter(pk=address.pk).exists()


def test_the_bulk_delete_does_not_delete_a_superusers_address_among_guests(
    support: Client, boss: User
):
    theirs, guests = _address(boss), _address(UserFactory.create())

    response = support.post(
        LIST,
        {"action": "delete_selected", "_selected_action": [theirs.pk, guests.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert EmailAddress.objects.filter(pk__in=[theirs.pk, guests.pk]).count() == 2


def test_support_cannot_mark_a_superusers_address_verified(support: Client, boss: User):
    theirs, guests = _address(boss, verified=False), _address(UserFactory.create(), verified=False)

    response = support.post(
        LIST, {"action": "make_verified", "_selected_action": [theirs.pk, guests.pk]}
    )

    assert response.status_code == 403
    assert not EmailAddress.objects.filter(verified=True).exists()


def test_support_still_deletes_and_verifies_a_guests_address(support: Client):
    """Pinned: what the permissions are for."""
    first, second = _address(UserFactory.create()), _address(UserFactory.create(), verified=False)

    verified = support.post(LIST, {"action": "make_verified", "_selected_action": [second.pk]})
    deleted = support.post(f"{LIST}{first.pk}/delete/", {"post": "yes"})

    assert (verified.status_code, deleted.status_code) == (302, 302)
    assert not EmailAddress.objects.filter(pk=first.pk).exists()
    assert EmailAddress.objects.get(pk=second.pk).verified


def test_a_superuser_still_deletes_and_verifies_a_staff_members_address(boss: User):
    client = Client()
    client.force_login(boss)
    colleague = UserFactory.create(is_staff=True)
    first, second = _address(colleague, verified=False), _address(UserFactory.create(is_staff=True))

    verified = client.post(LIST, {"action": "make_verified", "_selected_action": [first.pk]})
    deleted = client.post(f"{LIST}{second.pk}/delete/", {"post": "yes"})

    assert (verified.status_code, deleted.status_code) == (302, 302)
    assert EmailAddress.objects.get(pk=first.pk).verified
    assert not EmailAddress.objects.filter(pk=second.pk).exists()
