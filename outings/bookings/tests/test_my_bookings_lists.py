"""Which of a guest's bookings are upcoming and which are past ("my bookings", the API's
`when=`): a confirmed date under way is still upcoming; a hold whose time ran out is past even
before the sweep ends it."""

from datetime import timedelta

import pytest

from outings.bookings import selectors, services
from outings.bookings.tests.conftest import NOW
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _lists(guest, now):
    upcoming = list(selectors.upcoming_for_guest(guest=guest, now=now).values_list("pk", flat=True))
    past = list(selectors.past_for_guest(guest=guest, now=now).values_list("pk", flat=True))
    return upcoming, past


def test_a_confirmed_date_under_way_is_upcoming_until_it_ends(guest, slot):
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)
    during = slot.starts_at + (slot.ends_at - slot.starts_at) / 2

    assert _lists(guest, during) == ([booking.pk], [])
    assert _lists(guest, slot.ends_at) == ([], [booking.pk])


def test_a_hold_whose_time_ran_out_is_past_before_the_sweep_ends_it(guest, slot):
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert booking.expires_at is not None

    assert _lists(guest, NOW) == ([booking.pk], [])
    assert _lists(guest, booking.expires_at) == ([], [booking.pk])


def test_a_hold_on_a_date_that_started_is_past(guest, slot):
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    Slot.objects.filter(pk=slot.pk).update(starts_at=NOW + timedelta(minutes=5))

    assert _lists(guest, NOW + timedelta(minutes=5)) == ([], [booking.pk])
