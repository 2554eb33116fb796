"""A date its rule no longer makes, with nobody booked on it but someone waiting for a seat
(its seats were freed while the listing was paused, and offers wait until it is bookable). The
host's rule change retired it as an unbooked date: deleted, its waiting list with it (the
entries' key cascades), or, kept as the record of old bookings, cancelled with its entries
still "waiting" on a date that will never be. Either way nobody was told. Its waiting list is
now closed and each guest on it told "Date cancelled", as when a host cancels a date."""

from datetime import date, time
from typing import Any

import pytest

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.common.outbox.testing import deliver
from outings.notifications.models import Notification
from outings.scheduling import services as scheduling
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

RULE: dict[str, Any] = {
    "weekdays": [0],
    "valid_from": date(2030, 5, 6),
    "valid_until": date(2030, 5, 12),
    "capacity": 2,
}


def waiting_on_a_freed_date(
    host: HostProfile, listing: Listing, *, keep_record: bool
) -> tuple[Slot, WaitlistEntry]:
    """The rule's one date (Monday 10:00): full, a guest waiting for a seat, then the listing
    paused and the seats freed (cancelled, or, without a record to keep, never booked: the
    booking deleted, as a date no booking ever named is)."""
    schedule = scheduling.create_schedule(
        host=host,
        listing_id=listing.pk,
        data=ScheduleData(**RULE, start_times=[time(10)]),
        now=NOW,
    )
    slot = Slot.objects.get(schedule=schedule)
    held = services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=NOW)
    booking = services.confirm_booking(guest=held.guest, reference=held.reference, now=NOW)
    waiter: User = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=1, now=NOW)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)
    services.cancel_booking(guest=booking.guest, reference=booking.reference, now=NOW)
    if not keep_record:
        Booking.objects.filter(pk=booking.pk).delete()
    slot.refresh_from_db()
    entry.refresh_from_db()
    assert (slot.seats_taken, entry.status) == (0, WaitlistEntry.Status.WAITING)
    return slot, entry


@pytest.mark.parametrize("keep_record", [True, False], ids=["cancelled", "never-booked"])
def test_a_rule_change_that_retires_a_date_closes_its_waiting_list_and_tells_it(
    host: HostProfile, listing: Listing, keep_record: bool
) -> None:
    slot, entry = waiting_on_a_freed_date(host, listing, keep_record=keep_record)
    schedule_id = slot.schedule_id
    assert schedule_id is not None

    scheduling.update_schedule(
        host=host,
        listing_id=listing.pk,
        schedule_id=schedule_id,
        data=ScheduleData(**RULE, start_times=[time(14)]),
        now=NOW,
    )
    deliver("default")

    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.CLOSED
    [told] = Notification.objects.filter(user=entry.guest)
    assert told.kind == Notification.Kind.WAITLIST_CLOSED
    assert (told.data["starts_at"], told.data["seats"]) == (slot.starts_at.isoformat(), 1)


def test_a_retired_date_nobody_waits_for_is_deleted_as_before(
    host: HostProfile, listing: Listing
) -> None:
    schedule = scheduling.create_schedule(
        host=host,
        listing_id=listing.pk,
        data=ScheduleData(**RULE, start_times=[time(10)]),
        now=NOW,
    )
    old = Slot.objects.get(schedule=schedule)

    scheduling.update_schedule(
        host=host,
        listing_id=listing.pk,
        schedule_id=schedule.pk,
        data=ScheduleData(**RULE, start_times=[time(14)]),
        now=NOW,
    )

    assert not Slot.objects.filter(pk=old.pk).exists()
    assert not Notification.objects.exists()
