"""A host whose user account staff set inactive (the admin's "Active" box) kept their listings
public and bookable: only a suspension of the host profile hid them. Deactivating an account now
suspends its host profile, the way Host moderation does (the same column every public read and
every hold already checks, so the search statement is unchanged); bookings already made stay."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services as booking_services
from outings.bookings.models import Booking
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> User:
    return UserFactory.create(username="root", is_staff=True, is_superuser=True)


def _change_form(user: User, *, active: bool) -> dict[str, object]:
    joined = timezone.localtime(user.date_joined)
    form: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_staff": "",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
    }
    if active:
        form["is_active"] = "on"
    return form


def _deactivate(staff: User, user: User) -> int:
    client = Client()
    client.force_login(staff)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/", _change_form(user, active=False)
    )
    return response.status_code


def test_deactivating_a_hosts_account_hides_their_listings_and_refuses_holds(staff):
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host)
    slot = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=5))
    guest = UserFactory.create()
    kept = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())

    assert _deactivate(staff, host.user) == 302

    assert User.objects.get(pk=host.user_id).is_active is False
    assert HostProfile.objects.get(pk=host.pk).suspended_at is not None
    assert not Listing.objects.public().filter(pk=listing.pk).exists()
    assert Client().get(f"/api/v1/listings/{listing.pk}").status_code == 404
    assert Client().get(f"/things-to-do/{listing.pk}/").status_code == 404
    with pytest.raises(NotFound):  # as for a suspended host: the date is not bookable
        booking_services.hold_seats(
            guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=timezone.now()
        )
    assert Booking.objects.get(pk=kept.pk).status == kept.status  # made before: unchanged
    entry = AuditEntry.objects.get(host=host)
    assert (entry.action, entry.actor, entry.note) == (
        "host_suspended",
        staff,
        "The user account was deactivated.",
    )


def test_an_already_suspended_host_keeps_the_first_suspension(staff):
    since = timezone.now() - timedelta(days=3)
    host = HostProfileFactory.create(suspended_at=since)

    assert _deactivate(staff, host.user) == 302

    assert HostProfile.objects.get(pk=host.pk).suspended_at == since
    assert not AuditEntry.objects.exists()


def test_a_user_who_is_not_a_host_is_deactivated_as_before(staff):
    user = UserFactory.create()

    assert _deactivate(staff, user) == 302

    assert User.objects.get(pk=user.pk).is_active is False
    assert not HostProfile.objects.exists()


def test_the_migration_suspends_hosts_whose_accounts_were_inactive_before():
    migration = importlib.import_module(
        "outings.accounts.migrations.0007_suspend_hosts_of_inactive_users"
    )
    inactive = HostProfileFactory.create()
    with connection.cursor() as cursor:  # as before 0008, whose trigger suspends it at once
        cursor.execute("ALTER TABLE accounts_user DISABLE TRIGGER user_deactivated_suspends_host")
        User.objects.filter(pk=inactive.user_id).update(is_active=False)
        cursor.execute("ALTER TABLE accounts_user ENABLE TRIGGER user_deactivated_suspends_host")
    assert HostProfile.objects.get(pk=inactive.pk).suspended_at is None
    active = HostProfileFactory.create()

    migration.suspend_hosts_of_inactive_users(apps, None)

    assert HostProfile.objects.get(pk=inactive.pk).suspended_at is not None
    assert HostProfile.objects.get(pk=active.pk).suspended_at is None
