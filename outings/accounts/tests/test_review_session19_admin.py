"""Review (session 19): the admin let staff who are not superusers raise anyone's privileges.
Django's UserAdmin shows is_staff, is_superuser, groups and user_permissions to whoever may
change users, so a staff member given "change user" (support staff, to fix an address) could make
themselves a superuser, or give themselves or anyone any permission or group; and, with the same
permission, set the password or address of a superuser or another staff member and sign in as
them. Django's GroupAdmin likewise let staff who may change groups add any permission to a group
they are in.

The rule now (outings/accounts/admin.py): only a superuser grants. For anyone else those four
fields are read-only, the permissions of a group too, and the accounts of other staff and of
superusers are theirs to view, not to change (nor their passwords, nor their email addresses,
to which a password reset is sent). Personas: support (staff
with change_user), boss (superuser), a guest, another staff member."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GUEST_PASSWORD = "the-guests-own-pass-phrase-1"


@pytest.fixture
def support() -> User:
    return UserFactory.create(
        is_staff=True,
        permissions=[
            "accounts.view_user",
            "accounts.change_user",
            "account.view_emailaddress",
            "account.add_emailaddress",
            "account.change_emailaddress",
        ],
    )


@pytest.fixture
def boss() -> User:
    return UserFactory.create(is_staff=True, is_superuser=True)


@pytest.fixture
def guest() -> User:
    return UserFactory.create(password=GUEST_PASSWORD)


@pytest.fixture
def everything() -> Permission:
    """A permission support does not hold, and one that grants more: changing groups."""
    return Permission.objects.get(content_type__app_label="auth", codename="change_group")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_form(user: User, **changes: Any) -> dict[str, Any]:
    """What the admin's change form of `user` posts, with `changes`."""
    data: dict[str, Any] = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def granting_all(
    user: User, group: Group, permission: Permission, **changes: Any
) -> dict[str, Any]:
    """The change form of `user` making them staff and a superuser, in `group`, with
    `permission`."""
    return change_form(
        user,
        is_staff="on",
        is_superuser="on",
        groups=[group.pk],
        user_permissions=[permission.pk],
        **changes,
    )


def privileges(user: User) -> dict[str, Any]:
    user.refresh_from_db()
    return {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def test_support_cannot_make_themselves_a_superuser(support: User, everything: Permission):
    group = Group.objects.create(name="everyone-important")
    before = privileges(support)

    response = signed_in(support).post(
        change_url(support), granting_all(support, group, everything, first_name="Sam")
    )

    assert response.status_code == 302
    assert privileges(support) == before
    assert support.first_name == "Sam"  # what they may change is changed


def test_support_cannot_make_a_guest_staff_or_give_them_permissions(
    support: User, guest: User, everything: Permission
):
    group = Group.objects.create(name="everyone-important")

    response = signed_in(support).post(
        change_url(guest), granting_all(guest, group, everything, last_name="Byron")
    )

    assert response.status_code == 302
    assert privileges(guest) == {
        "is_staff": False,
        "is_superuser": False,
        "groups": [],
        "permissions": [],
    }
    assert guest.last_name == "Byron"


def test_support_is_not_offered_the_privilege_fields(support: User, guest: User):
    page = signed_in(support).get(change_url(guest)).content.decode()

    for field in ("is_staff", "is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in page
    assert 'name="last_name"' in page


def test_support_cannot_change_a_superusers_account_or_password(support: User, boss: User):
    client = signed_in(support)
    email = boss.email

    changed = client.post(change_url(boss), change_form(boss, email="support@example.org"))
    password = client.post(
        f"/admin/accounts/user/{boss.pk}/password/",
        {"password1": "taken-over-pass-phrase-7", "password2": "taken-over-pass-phrase-7"},
    )

    assert changed.status_code == 403
    assert password.status_code == 403
    boss.refresh_from_db()
    assert boss.email == email
    assert not boss.check_password("taken-over-pass-phrase-7")


def test_support_cannot_change_another_staff_members_password(support: User):
    colleague = UserFactory.create(is_staff=True, permissions=["accounts.delete_user"])

    response = signed_in(support).post(
        f"/admin/accounts/user/{colleague.pk}/password/",
        {"password1": "taken-over-pass-phrase-7", "password2": "taken-over-pass-phrase-7"},
    )

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert not colleague.check_password("taken-over-pass-phrase-7")


def test_support_still_helps_a_guest_with_their_password(support: User, guest: User):
    """Pinned: what "change user" is for."""
    response = signed_in(support).post(
        f"/admin/accounts/user/{guest.pk}/password/",
        {"password1": "a-new-pass-phrase-for-you-3", "password2": "a-new-pass-phrase-for-you-3"},
    )

    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.check_password("a-new-pass-phrase-for-you-3")


def test_a_superuser_still_grants(boss: User, guest: User, everything: Permission):
    group = Group.objects.create(name="moderators")

    response = signed_in(boss).post(change_url(guest), granting_all(guest, group, everything))

    assert response.status_code == 302
    assert privileges(guest) == {
        "is_staff": True,
        "is_superuser": True,
        "groups": ["moderators"],
        "permissions": ["change_group"],
    }


def test_staff_who_may_change_groups_cannot_add_permissions_to_one(everything: Permission):
    group = Group.objects.create(name="support")
    staff = UserFactory.create(is_staff=True, permissions=["auth.view_group", "auth.change_group"])
    staff.groups.add(group)
    delete_users = Permission.objects.get(codename="delete_user")

    response = signed_in(staff).post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "support team", "permissions": [delete_users.pk, everything.pk]},
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "support team"
    assert not group.permissions.exists()
    staff = User.objects.get(pk=staff.pk)  # no cached permissions
    assert not staff.has_perm("accounts.delete_user")


def test_a_superuser_still_gives_a_group_permissions(boss: User, everything: Permission):
    group = Group.objects.create(name="support")

    response = signed_in(boss).post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "support", "permissions": [everything.pk]}
    )

    assert response.status_code == 302
    assert list(group.permissions.values_list("codename", flat=True)) == ["change_group"]


def test_support_cannot_give_a_superuser_an_address_of_their_own(support: User, boss: User):
    """A verified address of theirs on a superuser's account, then "forgot your password" to
    it: the superuser's account. Refused with a message, nothing added."""
    response = signed_in(support).post(
        "/admin/account/emailaddress/add/",
        {"user": boss.pk, "email": "support-own@example.org", "verified": "on", "primary": ""},
    )

    assert response.status_code == 200
    assert "Only a superuser may" in response.content.decode()
    assert not EmailAddress.objects.filter(email="support-own@example.org").exists()


def test_support_cannot_change_a_superusers_address(support: User, boss: User):
    address = EmailAddress.objects.create(user=boss, email=boss.email, verified=True, primary=True)

    response = signed_in(support).post(
        f"/admin/account/emailaddress/{address.pk}/change/",
        {"user": boss.pk, "email": "support-own@example.org", "verified": "on", "primary": "on"},
    )

    assert response.status_code == 403
    address.refresh_from_db()
    assert address.email == boss.email


def test_support_still_corrects_a_guests_address(support: User, guest: User):
    """Pinned: what the address admin is for."""
    address = EmailAddress.objects.create(user=guest, email="typo@exmple.org", primary=True)

    response = signed_in(support).post(
        f"/admin/account/emailaddress/{address.pk}/change/",
        {"user": guest.pk, "email": "typo@example.org", "verified": "", "primary": "on"},
    )

    assert response.status_code == 302
    address.refresh_from_db()
    assert address.email == "typo@example.org"


@pytest.fixture
def remover() -> User:
    """Staff who may delete users (to remove spam accounts), and nothing that grants."""
    return UserFactory.create(
        is_staff=True, permissions=["accounts.view_user", "accounts.delete_user"]
    )


def test_staff_who_may_delete_users_cannot_delete_a_superuser(remover: User, boss: User):
    client = signed_in(remover)

    page = client.get(f"/admin/accounts/user/{boss.pk}/delete/")
    response = client.post(f"/admin/accounts/user/{boss.pk}/delete/", {"post": "yes"})

    assert page.status_code == 403
    assert response.status_code == 403
    assert User.objects.filter(pk=boss.pk).exists()


def test_staff_who_may_delete_users_cannot_delete_another_staff_member(remover: User):
    colleague = UserFactory.create(is_staff=True)

    response = signed_in(remover).post(
        f"/admin/accounts/user/{colleague.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert User.objects.filter(pk=colleague.pk).exists()


def test_the_bulk_delete_does_not_delete_a_superuser_among_guests(
    remover: User, boss: User, guest: User
):
    """Django's delete_selected asks has_delete_permission of every object it would delete:
    one it may not delete refuses the whole action, and nothing is deleted."""
    response = signed_in(remover).post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [boss.pk, guest.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert User.objects.filter(pk__in=[boss.pk, guest.pk]).count() == 2


def test_staff_who_may_delete_users_still_delete_a_guest(remover: User, guest: User):
    """Pinned: what "delete user" is for, one by one and in bulk."""
    other = UserFactory.create()
    client = signed_in(remover)

    one = client.post(f"/admin/accounts/user/{guest.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )

    assert one.status_code == 302
    assert bulk.status_code == 302
    assert not User.objects.filter(pk__in=[guest.pk, other.pk]).exists()


def test_a_superuser_still_deletes_a_staff_member(boss: User):
    colleague = UserFactory.create(is_staff=True)

    response = signed_in(boss).post(f"/admin/accounts/user/{colleague.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=colleague.pk).exists()
