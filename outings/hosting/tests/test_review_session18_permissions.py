"""Security review (session 18): staff's services checked only `is_staff`. Their callers are
admin actions that ask for the "change" permission of the list they are on, but the service is
the rule (cancel_booking_as_staff was reachable from the API this way). Each now asks for the
permission its admin action asks for, and refuses staff without it as it refuses anyone who is
not staff: approving and sending back a listing take hosting.change_listingreview (the
"Listings to review" list), suspending and reinstating a host hosting.change_hostmoderation
("Host moderation"), cancelling a date scheduling.change_slot ("Slots"). A superuser (the demo's
staff) holds every permission."""

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import services as booking_services
from outings.bookings.models import Booking, BookingEvent
from outings.catalog import services as catalog_services
from outings.catalog.models import AuditEntry, Listing
from outings.catalog.services import StaffOnly
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

Act = Callable[[User], object]


def state() -> dict[str, Any]:
    """What a refused staff action must leave as it was."""
    return {
        "listings": dict(Listing.objects.values_list("pk", "status")),
        "suspended": dict(HostProfile.objects.values_list("pk", "suspended_at")),
        "slots": dict(Slot.objects.values_list("pk", "status")),
        "bookings": dict(Booking.objects.values_list("pk", "status")),
        "audit": AuditEntry.objects.count(),
        "events": BookingEvent.objects.count(),
        "notices": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def approve(staff: User) -> object:
    listing = Listing.objects.get(status=Listing.Status.SUBMITTED)
    return catalog_services.approve_listing(staff=staff, listing_id=listing.pk)


def send_back(staff: User) -> object:
    listing = Listing.objects.get(status=Listing.Status.SUBMITTED)
    return catalog_services.reject_listing(staff=staff, listing_id=listing.pk, reason="Photos.")


def suspend(staff: User) -> object:
    host = HostProfile.objects.get(listings__status=Listing.Status.SUBMITTED)
    return account_services.suspend_host(
        staff=staff, host_id=host.pk, reason="Spam.", now=timezone.now()
    )


def reinstate(staff: User) -> object:
    host = HostProfile.objects.get(suspended_at__isnull=False)
    return account_services.reinstate_host(staff=staff, host_id=host.pk, reason="Sorted.")


def cancel_date(staff: User) -> object:
    slot = Slot.objects.get(status=Slot.Status.OPEN)
    return booking_services.cancel_slot_as_staff(
        staff=staff, slot_id=slot.pk, reason="Storm.", now=timezone.now()
    )


# action, the permission it needs, what staff without it get
CASES: list[tuple[Act, str, type[Exception]]] = [
    (approve, "hosting.change_listingreview", StaffOnly),
    (send_back, "hosting.change_listingreview", StaffOnly),
    (suspend, "hosting.change_hostmoderation", StaffOnly),
    (reinstate, "hosting.change_hostmoderation", StaffOnly),
    (cancel_date, "scheduling.change_slot", NotFound),
]
IDS = ["approve", "send-back", "suspend", "reinstate", "cancel-date"]


@pytest.fixture(autouse=True)
def world() -> None:
    """A submitted listing of an active host; a suspended host; an open date with a confirmed
    booking."""
    host = HostProfileFactory.create()
    ListingFactory.create(host=host, status=Listing.Status.SUBMITTED)
    HostProfileFactory.create(suspended_at=timezone.now())
    published = ListingFactory.create(host=HostProfileFactory.create())
    slot = SlotFactory.create(listing=published, capacity=10)
    guest = UserFactory.create()
    held = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    booking_services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


@pytest.mark.parametrize(("act", "permission", "refusal"), CASES, ids=IDS)
def test_staff_without_the_permission_are_refused_and_nothing_changes(
    act: Act, permission: str, refusal: type[Exception]
) -> None:
    """Bug: being staff was enough. Staff allowed into the admin for something else (the
    bookings desk, with every view permission) published listings, suspended hosts and
    cancelled booked dates through these services."""
    app_label = permission.split(".")[0]
    others = [f"{app_label}.view_{permission.split('_', 1)[1]}", "bookings.change_booking"]
    desk = UserFactory.create(is_staff=True, permissions=others)
    before = state()

    with pytest.raises(refusal):
        act(desk)

    assert state() == before


@pytest.mark.parametrize(("act", "permission", "refusal"), CASES, ids=IDS)
def test_staff_with_the_permission_act(act: Act, permission: str, refusal: type[Exception]) -> None:
    before = state()

    act(UserFactory.create(is_staff=True, permissions=[permission]))

    assert state() != before


@pytest.mark.parametrize(("act", "permission", "refusal"), CASES, ids=IDS)
def test_a_superuser_acts(act: Act, permission: str, refusal: type[Exception]) -> None:
    before = state()

    act(UserFactory.create(is_staff=True, is_superuser=True))

    assert state() != before


@pytest.mark.parametrize(("act", "permission", "refusal"), CASES, ids=IDS)
def test_someone_with_the_permission_but_not_staff_is_refused(
    act: Act, permission: str, refusal: type[Exception]
) -> None:
    """Pinned: the permission without staff (no way into the admin) is not enough either."""
    before = state()

    with pytest.raises(refusal):
        act(UserFactory.create(permissions=[permission]))

    assert state() == before
