"""A host archives a listing while a guest takes seats on one of its dates, at that instant.

Archiving is refused while a date to come has seats taken (docs/hosting.md, "States"). It
checked the seats without locking the dates: a hold whose seat UPDATE had not committed yet was
not seen, the listing was archived and the hold committed after it, an archived listing with a
live booking. It now locks the listing, then its dates to come (the app's lock order), and
reads their seats under those locks: a hold in flight is waited for and counted."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.services.errors import InvalidTransition
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.tests.connections import in_thread, until_waiting_or_done

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
