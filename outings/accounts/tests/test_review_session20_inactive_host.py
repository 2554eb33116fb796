"""Review (session 20): "an inactive user's host profile is suspended" held only when staff saved
the user in the admin. Any other way of setting an account inactive (a save or an UPDATE from a
shell, a script, a future command) left the host's listings searchable and bookable, a host
profile made for (or moved to) an inactive account was not suspended, and Host moderation
reinstated the host of an inactive account. The database keeps the rule now, whatever the path:
setting is_active false suspends the account's host profile in the same statement, audited
(accounts migration 0008); a host profile of an inactive account cannot be unsuspended; and
reinstating one is refused with a message."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from outings.accounts import services
from outings.accounts.models import HostProfile, User
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def host() -> HostProfile:
    host = HostProfileFactory.create()
    ListingFactory.create(host=host)
    return host


def _assert_hidden(host: HostProfile) -> None:
    assert HostProfile.objects.get(pk=host.pk).suspended_at is not None
    assert not Listing.objects.public().filter(host=host).exists()


def test_an_update_of_the_user_row_suspends_their_host_profile_audited(host):
    assert Listing.objects.public().filter(host=host).exists()

    User.objects.filter(pk=host.user_id).update(is_active=False)

    _assert_hidden(host)
    entry = AuditEntry.objects.get(host=host)
    assert (entry.action, entry.from_status, entry.to_status, entry.actor) == (
        "host_suspended",
        "active",
        "suspended",
        None,
    )
    assert entry.note == "The user account was deactivated."


@pytest.mark.parametrize("fields", [None, ["is_active"]], ids=["save", "save-is-active"])
def test_a_save_of_the_user_suspends_their_host_profile(host, fields):
    user = User.objects.get(pk=host.user_id)
    user.is_active = False

    user.save(update_fields=fields)

    _assert_hidden(host)


def test_an_already_suspended_host_keeps_the_first_suspension_and_no_entry_is_added():
    since = timezone.now() - timedelta(days=3)
    host = HostProfileFactory.create(suspended_at=since)

    User.objects.filter(pk=host.user_id).update(is_active=False)

    assert HostProfile.objects.get(pk=host.pk).suspended_at == since
    assert not AuditEntry.objects.exists()


def test_other_changes_of_an_active_user_suspend_nothing(host):
    User.objects.filter(pk=host.user_id).update(first_name="Grace", is_active=True)

    assert HostProfile.objects.get(pk=host.pk).suspended_at is None
    assert Listing.objects.public().filter(host=host).exists()
    assert not AuditEntry.objects.exists()


def test_reactivating_the_account_lifts_nothing(host):
    User.objects.filter(pk=host.user_id).update(is_active=False)

    User.objects.filter(pk=host.user_id).update(is_active=True)

    _assert_hidden(host)


def test_a_host_profile_made_for_an_inactive_account_is_suspended():
    user = UserFactory.create(is_active=False)

    host = HostProfileFactory.create(user=user)

    assert HostProfile.objects.get(pk=host.pk).suspended_at is not None


def test_a_host_profile_moved_to_an_inactive_account_is_suspended(host):
    inactive = UserFactory.create(is_active=False)

    HostProfile.objects.filter(pk=host.pk).update(user=inactive)

    _assert_hidden(host)


def test_the_host_of_an_inactive_account_cannot_be_unsuspended(host):
    User.objects.filter(pk=host.user_id).update(is_active=False)

    HostProfile.objects.filter(pk=host.pk).update(suspended_at=None)

    _assert_hidden(host)


def test_host_moderation_refuses_to_reinstate_the_host_of_an_inactive_account(host):
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    User.objects.filter(pk=host.user_id).update(is_active=False)

    with pytest.raises(services.InactiveAccount) as refused:
        services.reinstate_host(staff=staff, host_id=host.pk)

    assert refused.value.status_code == 409
    assert "inactive" in refused.value.message
    _assert_hidden(host)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["host_suspended"]


def test_host_moderation_reinstates_the_host_of_a_reactivated_account(host):
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    User.objects.filter(pk=host.user_id).update(is_active=False)
    User.objects.filter(pk=host.user_id).update(is_active=True)

    services.reinstate_host(staff=staff, host_id=host.pk)

    assert HostProfile.objects.get(pk=host.pk).suspended_at is None
    assert Listing.objects.public().filter(host=host).exists()


def test_the_admins_reinstate_action_names_the_host_of_an_inactive_account_and_why(host):
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    User.objects.filter(pk=host.user_id).update(is_active=False)
    client = Client()
    client.force_login(staff)

    response = client.post(
        "/admin/hosting/hostmoderation/",
        {"action": "reinstate", "_selected_action": [host.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert f"{host}: This host&#x27;s user account is inactive" in response.content.decode()
    _assert_hidden(host)


def test_the_migration_suspends_the_hosts_of_accounts_made_inactive_without_the_admin(host):
    migration = importlib.import_module(
        "outings.accounts.migrations.0008_inactive_users_hosts_stay_suspended"
    )
    active = HostProfileFactory.create()
    with connection.cursor() as cursor:  # as before 0008: nothing suspends it
        cursor.execute("ALTER TABLE accounts_user DISABLE TRIGGER user_deactivated_suspends_host")
        User.objects.filter(pk=host.user_id).update(is_active=False)
        cursor.execute("ALTER TABLE accounts_user ENABLE TRIGGER user_deactivated_suspends_host")
        assert HostProfile.objects.get(pk=host.pk).suspended_at is None

        cursor.execute(migration.BACKFILL)

    _assert_hidden(host)
    assert AuditEntry.objects.get(host=host).note == "The user account was deactivated."
    assert HostProfile.objects.get(pk=active.pk).suspended_at is None
