"""Review (session 13): what the worker announces when it gets to a booking late, after the
booking or its date changed, and the reminder of a date whose start moved. The real outbox relay
delivers the rows, on the real database."""

from datetime import datetime

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db
REMIND = "bookings.remind"


def run_worker() -> None:
    """Every due outbox row, as the workers would (a handler's mail is a row of its own)."""
    for _round in range(3):
        relay.drain(queue="urgent", budget=20)
        relay.drain(queue="default", budget=20)


def book(guest: User, slot: Slot, *, now: datetime) -> Booking:
    """Two seats held and confirmed; the worker has not announced them yet."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def hand_on(booking: Booking, *, to: User, now: datetime) -> None:
    _transfer, secret = services.offer_transfer(
        guest=booking.guest, reference=booking.reference, to_email=to.email, now=now
    )
    services.accept_transfer(user=to, secret=secret, now=now)


def mails(user: User, template: str) -> int:
    return OutboxMessage.objects.filter(
        kind="email.send", payload__to=user.email, payload__template=template
    ).count()


def test_a_booking_handed_on_before_the_worker_came_is_not_announced_to_the_old_guest(
    guest: User, slot: Slot
) -> None:
    """Bug: the guest confirms and hands the booking on before a busy worker took the
    `bookings.confirmed` row. The transfer told the old guest "now in the name of …" (their
    calendar event marked cancelled) and sent the new guest the confirmation with its invite.
    Then the worker announced the confirmation to the guest who confirmed: a "Booked" mail with
    an invite putting the date back into the calendar of someone who no longer holds the
    booking, and a "confirmed" notification linking to a booking page they cannot open.
    Expected: the old guest gets nothing more; the new one has one confirmation; the host's
    count and the reminder (to whoever holds the booking then) are as for any booking."""
    now = timezone.now()
    booking = book(guest, slot, now=now)
    friend = UserFactory.create(email="friend@example.org")
    hand_on(booking, to=friend, now=now)

    run_worker()

    assert mails(guest, "booking_confirmed") == 0
    assert not Notification.objects.filter(user=guest, kind="booking.confirmed").exists()
    assert Notification.objects.filter(user=guest, kind="booking.transferred").count() == 1
    assert mails(friend, "booking_confirmed") == 1
    assert (
        Notification.objects.filter(user=slot.listing.host.user, kind="booking.received").count()
        == 1
    )
    assert OutboxMessage.objects.filter(kind=REMIND).count() == 1
    assert OutboxMessage.objects.get(kind="bookings.confirmed").status == "done"


def test_a_booking_handed_on_and_back_is_confirmed_to_its_guest_once(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """The booking went to a friend and back before the worker came: each transfer sent its
    new holder the confirmation, so the guest already has theirs (the last one); the worker's
    would be a second "Booked" mail."""
    now = timezone.now()
    booking = book(guest, slot, now=now)
    hand_on(booking, to=other_guest, now=now)
    booking.refresh_from_db()
    hand_on(booking, to=guest, now=now)

    run_worker()

    assert mails(guest, "booking_confirmed") == 1
    assert mails(other_guest, "booking_confirmed") == 1
