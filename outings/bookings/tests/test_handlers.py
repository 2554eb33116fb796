"""The due rows of the bookings app, delivered by the real outbox relay."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import payments, services, tasks
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications.models import Notification
from outings.scheduling.models import Slot
from outings.stats.models import ListingDay
from outings.stats.selectors import day_of

pytestmark = pytest.mark.django_db


class RecordingProvider:
    """A provider that records what it is asked (a card provider's HTTP API stands behind this
    interface; it lies outside this machine)."""

    name = "recording"
    refunds: list[tuple[str, int, str]] = []

    def confirm(self, *, booking: Booking) -> payments.Payment:
        return payments.Payment(reference=f"pay-{booking.reference}", charged=booking.total_price)

    def refund(self, *, booking: Booking, amount: int, key: str) -> None:
        self.refunds.append((booking.reference, amount, key))


@pytest.fixture
def recording(settings: object) -> Iterator[type[RecordingProvider]]:
    payments.PROVIDERS["recording"] = RecordingProvider
    payments.provider.cache_clear()
    RecordingProvider.refunds = []
    settings.BOOKINGS_PAYMENT_PROVIDER = "recording"  # type: ignore[attr-defined]
    yield RecordingProvider
    del payments.PROVIDERS["recording"]
    payments.provider.cache_clear()


def seats(slot: Slot) -> int:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    assert slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)
    return slot.seats_taken


def test_the_sweep_frees_an_abandoned_hold_when_it_is_due(guest: User, slot: Slot) -> None:
    then = timezone.now() - timedelta(minutes=11)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=3, now=then)
    assert seats(slot) == 3

    relay.drain(queue="urgent", budget=5)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert seats(slot) == 0
    message = OutboxMessage.objects.get(kind="bookings.expire")
    assert message.status == OutboxMessage.Status.DONE


def test_a_hold_not_yet_due_is_left_alone(guest: User, slot: Slot) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=3, now=timezone.now())

    relay.drain(queue="urgent", budget=5)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    assert OutboxMessage.objects.get(kind="bookings.expire").status == OutboxMessage.Status.PENDING


def test_a_confirmation_is_announced_once_by_the_worker(guest: User, slot: Slot) -> None:
    now = timezone.now()
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.confirm_booking(guest=guest, reference=booking.reference, now=now)
    host = slot.listing.host.user

    relay.drain(queue="urgent", budget=5)
    relay.drain(queue="urgent", budget=5)  # a second pass finds nothing more to do

    assert OutboxMessage.objects.get(kind="bookings.confirmed").status == (
        OutboxMessage.Status.DONE
    )
    assert sorted(Notification.objects.values_list("user_id", "kind")) == sorted(
        [(guest.pk, "booking.confirmed"), (host.pk, "booking.received")]
    )
    mail = OutboxMessage.objects.get(kind="email.send", payload__to=guest.email)
    assert mail.payload["template"] == "booking_confirmed"
    assert (
        OutboxMessage.objects.filter(
            kind="bookings.remind", due_at=slot.starts_at - timedelta(hours=24)
        ).count()
        == 1
    )
    day = day_of(slot.listing, now)  # the listing's own day (America/Toronto), not UTC's
    assert ListingDay.objects.get(listing_id=slot.listing_id, day=day).bookings == 1


def book(guest: User, slot: Slot, *, now: datetime) -> Booking:
    """Two seats held and confirmed; the worker has not announced them yet."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def test_a_confirmation_cancelled_before_the_worker_came_is_announced_to_nobody(
    guest: User, slot: Slot
) -> None:
    """The cancellation told the guest and the host; nothing of the confirmation follows it."""
    now = timezone.now()
    booking = book(guest, slot, now=now)
    services.cancel_booking(guest=guest, reference=booking.reference, now=now)
    told = list(Notification.objects.values_list("user_id", "kind"))

    relay.drain(queue="urgent", budget=5)

    assert OutboxMessage.objects.get(kind="bookings.confirmed").status == (
        OutboxMessage.Status.DONE
    )
    assert list(Notification.objects.values_list("user_id", "kind")) == told
    assert not OutboxMessage.objects.filter(payload__template="booking_confirmed").exists()
    assert not OutboxMessage.objects.filter(kind="bookings.remind").exists()


def test_the_reminder_of_a_booking_cancelled_after_its_announcement_is_not_sent(
    guest: User, slot: Slot
) -> None:
    now = timezone.now()
    booking = book(guest, slot, now=now)
    relay.drain(queue="urgent", budget=5)  # announced: the reminder is planned
    services.cancel_booking(guest=guest, reference=booking.reference, now=now)
    OutboxMessage.objects.filter(kind="bookings.remind").update(due_at=now)

    relay.drain(queue="default", budget=5)

    assert OutboxMessage.objects.get(kind="bookings.remind").status == OutboxMessage.Status.DONE
    assert not OutboxMessage.objects.filter(payload__template="booking_reminder").exists()


def test_a_refund_goes_to_the_provider_once_with_a_stable_key(
    guest: User, slot: Slot, recording: type[RecordingProvider]
) -> None:
    now = timezone.now()
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booking = services.confirm_booking(guest=guest, reference=booking.reference, now=now)
    assert booking.payment_reference == f"pay-{booking.reference}"
    services.cancel_booking(guest=guest, reference=booking.reference, now=now)

    relay.drain(queue="default", budget=5)
    relay.drain(queue="default", budget=5)

    message = OutboxMessage.objects.get(kind="bookings.refund")
    assert recording.refunds == [(booking.reference, 5000, f"refund-{message.pk}")]


def test_the_minimum_check_cancels_dates_past_their_cut_off(guest: User, listing: Listing) -> None:
    Listing.objects.filter(pk=listing.pk).update(min_guests=5, min_guests_cutoff_hours=48)
    soon = timezone.now() + timedelta(hours=30)
    slot = SlotFactory.create(listing=listing, starts_at=soon, ends_at=soon + timedelta(hours=1))
    later = SlotFactory.create(listing=listing)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())

    tasks.decide_minimums()

    slot.refresh_from_db()
    later.refresh_from_db()
    booking.refresh_from_db()
    assert (slot.status, later.status) == ("cancelled", "open")
    assert booking.status == Booking.Status.CANCELLED
    assert seats(slot) == 0
