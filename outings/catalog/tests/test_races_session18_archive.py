"""A host archives a listing while a guest takes seats on one of its dates, at that instant.

Archiving is refused while a date to come has seats taken (docs/hosting.md, "States"). It
checked the seats without locking the dates: a hold whose seat UPDATE had not committed yet was
not seen, the listing was archived and the hold committed after it, an archived listing with a
live booking. It now locks the listing, then its dates to come (the app's lock order), and
reads their seats under those locks: a hold in flight is waited for and counted. In the other
order, a hold that read the listing as public and waited for a date's row the archive held took
its seats once the archive committed (its seat UPDATE checks the date, not the listing): the
archive now takes its open dates to come off sale, and the hold finds its date gone."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from outings.bookings import services as bookings
from outings.bookings.errors import SlotUnavailable
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.services.errors import InvalidTransition
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.scheduling.events import RETIRED
from outings.scheduling.models import Slot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def test_an_archive_while_a_hold_takes_seats_waits_for_it_and_is_refused() -> None:
    slot = SlotFactory.create(capacity=10)
    listing = slot.listing
    guest = UserFactory.create()
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the guest's hold: the date's row locked by its seat UPDATE
        held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
        archive = in_thread(
            outcome,
            "archive",
            lambda: services.archive_listing(
                host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=NOW
            ),
        )
        until_waiting_or_done(archive)  # or done: without the lock it goes ahead
    archive.join(timeout=10)

    assert isinstance(outcome["archive"], InvalidTransition), outcome["archive"]
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.PUBLISHED
    assert Booking.objects.get(pk=held.pk).status == Booking.Status.HELD


def test_a_hold_waiting_for_an_archive_takes_nothing() -> None:
    """The other order: the hold read the listing as public before the archive committed, and
    waits for the date's row, which the archive holds. Its seat UPDATE checks the date, not the
    listing: with the date left open it took its seats on the archived listing once the archive
    committed. Archiving takes the unbooked dates to come off sale (as a rule's removal does),
    so the waiting hold finds the date gone and is refused as for a cancelled one."""
    slot = SlotFactory.create(capacity=10)
    listing = slot.listing
    guest = UserFactory.create()
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the host's archive: the listing and its dates locked
        services.archive_listing(
            host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=NOW
        )
        hold = in_thread(
            outcome,
            "hold",
            lambda: bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW),
        )
        until_waiting_or_done(hold)
    hold.join(timeout=10)

    assert isinstance(outcome["hold"], SlotUnavailable), outcome["hold"]
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.ARCHIVED
    assert not Booking.objects.exists()


def test_archiving_takes_the_open_dates_to_come_off_sale_and_keeps_the_past() -> None:
    """Deleted, or cancelled where guests wait on one (seats freed while the listing was
    paused): their waiting list closes and the bookings app tells them."""
    past = SlotFactory.create(starts_at=NOW - timedelta(days=1))
    listing = past.listing
    unwanted = SlotFactory.create(listing=listing)
    waited_on = SlotFactory.create(listing=listing)
    entry = WaitlistEntry.objects.create(
        slot=waited_on, guest=UserFactory.create(), seats=2, created_at=NOW, updated_at=NOW
    )

    services.archive_listing(
        host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=NOW
    )

    assert set(Slot.objects.values_list("pk", "status")) == {
        (past.pk, Slot.Status.OPEN),
        (waited_on.pk, Slot.Status.CANCELLED),
    }
    assert not Slot.objects.filter(pk=unwanted.pk).exists()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.CLOSED
    assert OutboxMessage.objects.filter(kind=RETIRED).count() == 1
