"""The reminder's handler racing a change of its booking, on the real database: each side in its
own thread and connection (the harness of test_races_session13.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import handlers, services
from outings.bookings.models import Booking
from outings.bookings.tests.test_races_session13 import race
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def confirmed(guest: User) -> Booking:
    """The guest's confirmed booking three days ahead, not announced yet."""
    now = timezone.now()
    start = now + timedelta(days=3)
    slot: Slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def offer_to_friend(booking: Booking) -> tuple[User, str]:
    """The booking offered to a friend: the friend and the link's secret."""
    friend = UserFactory.create(email="friend@example.org")
    _transfer, secret = services.offer_transfer(
        guest=booking.guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )
    return friend, secret


@pytest.fixture
def announced(guest: User) -> Booking:
    """A's confirmed booking three days ahead, announced: its reminder is planned."""
    booking = confirmed(guest)
    relay.drain(queue="urgent", budget=5)
    assert OutboxMessage.objects.filter(kind="bookings.remind").count() == 1
    return booking


def reminders_to(user: User) -> int:
    return OutboxMessage.objects.filter(
        kind="email.send", payload__to=user.email, payload__template="booking_reminder"
    ).count()


def test_a_booking_cancelled_while_its_reminder_is_sent_gets_no_reminder_after_the_cancellation(
    guest: User, announced: Booking
) -> None:
    """Bug: the reminder's handler read the booking without its lock. A guest cancelling at
    that moment (uncommitted) was read as confirmed, and the reminder mail was written after
    the cancellation's: "Booking cancelled", then "Reminder: … is coming up soon"."""
    message = OutboxMessage.objects.get(kind="bookings.remind")

    one, two = race(
        lambda: services.cancel_booking(
            guest=guest, reference=announced.reference, now=timezone.now()
        ),
        lambda: handlers.remind(message),
    )

    assert one.error is None
    assert two.error is None
    assert reminders_to(guest) == 0


def test_a_booking_handed_on_while_its_reminder_is_sent_reminds_the_new_guest(
    guest: User, announced: Booking
) -> None:
    """The same with a transfer accepted at that moment: the reminder went to the guest who
    had just handed the booking on, and its new holder got none."""
    friend, secret = offer_to_friend(announced)
    message = OutboxMessage.objects.get(kind="bookings.remind")

    one, two = race(
        lambda: services.accept_transfer(user=friend, secret=secret, now=timezone.now()),
        lambda: handlers.remind(message),
    )

    assert one.error is None
    assert two.error is None
    assert (reminders_to(guest), reminders_to(friend)) == (0, 1)


def test_a_confirmation_announced_while_the_booking_is_handed_on_is_counted_and_reminded(
    guest: User,
) -> None:
    """The worker announces a confirmation at the moment the guest's friend accepts the
    booking. The announcement waits for the booking's lock; then the booking, now the
    friend's, is still confirmed: the host is told, the day counted and the reminder planned
    (the guests are not mailed: the transfer told both)."""
    booking = confirmed(guest)
    friend, secret = offer_to_friend(booking)
    message = OutboxMessage.objects.get(kind="bookings.confirmed")

    one, two = race(
        lambda: services.accept_transfer(user=friend, secret=secret, now=timezone.now()),
        lambda: handlers.confirmed(message),
    )

    assert one.error is None
    assert two.error is None
    booking.refresh_from_db()
    assert booking.guest_id == friend.pk
    assert booking.counted_on is not None
    assert OutboxMessage.objects.filter(kind="bookings.remind").count() == 1
    assert Notification.objects.filter(
        user=booking.listing.host.user, kind="booking.received"
    ).exists()
