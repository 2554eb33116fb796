"""Seats-left live events: every change of a date's seats is announced once it commits, numbered
in the order the changes committed, so that a page can drop an event older than one it applied
(notifications/live.js; the browser half is in tests/browser/test_seats_order.py)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings

from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.catalog.tests.factories import UserFactory
from outings.notifications import live
from outings.notifications.tests.test_inbox import listen, received

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_memory_channel_layer() -> Iterator[None]:
    """One process: the in-memory layer keeps what each test's listener receives."""
    with override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ):
        yield


def _seats(events):
    return [(e["slot"], e["seats_left"]) for e in events if e["type"] == "seats"]


def _changes(events):
    return [e["change"] for e in events if e["type"] == "seats"]


def test_each_change_of_a_dates_seats_is_announced_in_commit_order(
    guest, other_guest, slot, django_capture_on_commit_callbacks
):
    channel = listen(live.listing_group(slot.listing_id))

    with django_capture_on_commit_callbacks(execute=True):
        first = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=3, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(guest=guest, reference=first.reference, now=NOW)

    events = received(channel)
    assert _seats(events) == [(slot.pk, 8), (slot.pk, 5), (slot.pk, 7)]
    changes = _changes(events)
    assert changes == sorted(changes)
    assert len(set(changes)) == 3


def test_a_change_rolled_back_is_not_announced(guest, slot, django_capture_on_commit_callbacks):
    channel = listen(live.listing_group(slot.listing_id))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
        transaction.set_rollback(True)

    assert received(channel) == []


def test_a_lapsed_hold_confirmed_in_time_announces_the_seats_it_took_again(
    guest, slot, django_capture_on_commit_callbacks
):
    """The confirm of a hold that lapsed (and was swept) takes its seats again: pages showed
    them free, so they hear that they are taken."""
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert booking.expires_at is not None
    later = booking.expires_at + timedelta(seconds=1)
    assert services.expire_booking(booking_id=booking.pk, now=later)
    channel = listen(live.listing_group(slot.listing_id))

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_booking(guest=guest, reference=booking.reference, now=later)

    assert _seats(received(channel)) == [(slot.pk, 8)]


def test_a_new_capacity_and_the_offer_it_makes_are_announced_in_that_order(
    guest, other_guest, host, slot, django_capture_on_commit_callbacks
):
    """Raising the capacity of a full date with a waiting list: first the new number, then what
    the offer to the waiting guest took, in that order."""
    full = services.hold_seats(guest=guest, slot_id=slot.pk, seats=6, now=NOW)
    services.confirm_booking(guest=guest, reference=full.reference, now=NOW)
    services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=4, now=NOW)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    channel = listen(live.listing_group(slot.listing_id))

    with django_capture_on_commit_callbacks(execute=True):
        services.change_slot_capacity(host=host, slot_id=slot.pk, capacity=12, now=NOW)

    events = received(channel)
    assert _seats(events) == [(slot.pk, 2), (slot.pk, 0)]
    assert _changes(events) == sorted(_changes(events))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    assert Booking.objects.filter(waitlist_entry=entry, status=Booking.Status.HELD).exists()
