"""Review (session 16): the seat guard and the lapse of holds and requests, pinned where a mutation
audit found nothing that would notice a change: the instant a hold lapses (expires_at equal to
the `now` every reader binds), a request's deadline before a date that starts soon, and the
conditional UPDATE's own check that its date is open. The races of the guard (a date cancelled or
moved while a hold waits for its row) are in test_races_session16_seats.py. Personas come from
conftest.py."""

from datetime import timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.errors import HoldExpired
from outings.bookings.models import Booking, BookingEvent
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


# --- The guard: a date cancelled since the hold lapsed -----------------------------------------


def test_a_lapsed_hold_is_not_confirmed_on_a_date_cancelled_since(
    guest: User, host, slot: Slot
) -> None:
    """A's hold lapsed and was swept; the host then cancelled the date (its active bookings only:
    A's expired hold is not one of them). A, back on the booking page, confirms. Nothing but
    the seat UPDATE's `status = 'open'` stands between that click and a confirmed booking on a
    cancelled date: the confirm checks the start, not the status, before it takes the seats.
    The answer said "the seats have been taken by someone else": nobody took them, the date
    was cancelled."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert held.expires_at is not None
    assert services.expire_booking(booking_id=held.pk, now=held.expires_at)
    later = held.expires_at + timedelta(minutes=5)
    services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=later)
    events, outbox = BookingEvent.objects.count(), OutboxMessage.objects.count()

    with pytest.raises(HoldExpired) as refused:
        services.confirm_booking(guest=guest, reference=held.reference, now=later)

    assert refused.value.message == "This date was cancelled; the hold lapsed."
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert consistent(slot) == 0
    assert (BookingEvent.objects.count(), OutboxMessage.objects.count()) == (events, outbox)
