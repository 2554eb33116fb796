"""Races and rules of transfers, waiting lists and confirmation. A race is shown by running the
competing request's service call at the exact point between two statements of the first one
(same connection, so it behaves as a competing transaction that committed there)."""

from datetime import datetime
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db.models import Sum

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import HoldExpired, InvalidTransfer, InvalidTransferLink
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.services import transfers as transfers_module
from outings.bookings.services import waitlist as waitlist_module
from outings.bookings.services.core import locked as real_locked
from outings.bookings.tests.conftest import NOW
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def book(guest: User, slot: Slot, seats: int) -> Booking:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=NOW)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)


def secret_of_last_transfer_mail() -> str:
    message = OutboxMessage.objects.filter(payload__template="booking_transfer").order_by("-id")
    url = str(message.first().payload["context"]["accept_url"])  # type: ignore[union-attr]
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_a_withdrawn_transfer_cannot_be_accepted_by_a_request_already_under_way(
    guest: User, other_guest: User, slot: Slot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B opens the link (the transfer is pending); before B's request locks the booking, A
    withdraws the offer and hands the booking to C instead. B's request must fail, not take it."""
    booking = book(guest, slot, 2)
    _t1, secret_b = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=other_guest.email, now=NOW
    )
    carol = UserFactory.create(email="carol@example.org")
    real_pending = transfers_module.pending_transfer

    def pending_then_a_changes_their_mind(*, secret: str, user: User, now: datetime) -> Transfer:
        transfer = real_pending(secret=secret, user=user, now=now)
        monkeypatch.setattr(transfers_module, "pending_transfer", real_pending)
        services.offer_transfer(  # withdraws B's offer, offers to C
            guest=guest, reference=booking.reference, to_email=carol.email, now=NOW
        )
        return transfer

    monkeypatch.setattr(transfers_module, "pending_transfer", pending_then_a_changes_their_mind)

    with pytest.raises(InvalidTransferLink):
        services.accept_transfer(user=other_guest, secret=secret_b, now=NOW)

    booking.refresh_from_db()
    assert booking.guest_id == guest.pk  # still A's: the offer to B was withdrawn


def test_the_listing_host_cannot_take_a_booking_of_their_own_listing_by_transfer(
    guest: User, host: HostProfile, slot: Slot
) -> None:
    """A host cannot book their own listing (hold_seats, join_waitlist refuse it); a transfer
    must not be a way round that rule. An offer to the host's address is refused (session 23);
    one to an address the host verified only after the offer is refused on accepting."""
    booking = book(guest, slot, 2)
    with pytest.raises(InvalidTransfer):
        services.offer_transfer(
            guest=guest, reference=booking.reference, to_email=host.user.email, now=NOW
        )
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="later@example.org", now=NOW
    )
    EmailAddress.objects.create(user=host.user, email="later@example.org", verified=True)
    with pytest.raises(InvalidTransfer):
        services.accept_transfer(user=host.user, secret=secret, now=NOW)
    booking.refresh_from_db()
    assert booking.guest_id == guest.pk


def test_leaving_the_list_while_seats_are_offered_to_you_passes_them_on(
    guest: User, slot: Slot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """W leaves the waiting list; between W's read of its (waiting) entry and the end of W's
    transaction, A cancels and the freed seats are offered to W. W's entry must not end up
    `left` with an open offer holding the seats (nobody else offered them for 2 hours)."""
    mine = book(guest, slot, 2)
    book(UserFactory.create(), slot, 4)
    book(UserFactory.create(), slot, 4)  # full
    waiter, next_waiter = UserFactory.create(), UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    services.join_waitlist(guest=next_waiter, slot_id=slot.pk, seats=2, now=NOW)

    raced: list[bool] = []

    class RacingQuery:
        def __init__(self, queryset: Any, **options: Any) -> None:
            self.queryset, self.options = queryset, options

        def first(self) -> Booking | None:
            found = real_locked(self.queryset, **self.options).first()
            if not raced:
                # A cancels now (once); the two freed seats are offered to the first entry: W's.
                raced.append(True)
                services.cancel_booking(guest=guest, reference=mine.reference, now=NOW)
            return found

    monkeypatch.setattr(waitlist_module, "locked", RacingQuery)

    services.leave_waitlist(guest=waiter, entry_id=entry.pk, now=NOW)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT
    held_for_leaver = Booking.objects.filter(
        guest=waiter, slot=slot, status__in=Booking.ACTIVE
    ).exists()
    assert not held_for_leaver, "the guest left the list but still holds the offered seats"
    assert Booking.objects.filter(guest=next_waiter, slot=slot, status="held").exists()
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    assert slot.seats_taken == active.aggregate(n=Sum("seats"))["n"]


def test_a_hold_cannot_be_confirmed_after_its_date_started(guest: User, slot: Slot) -> None:
    """A hold lapses at the start at the latest (expires_at = min(..., starts_at)). Once the
    sweep has run, confirming it is refused (take_seats wants starts_at > now); before the
    sweep runs, the same confirm at the same moment succeeds: a booking confirmed for a date
    that has already begun, which nobody can cancel any more."""
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    late = slot.starts_at + (slot.ends_at - slot.starts_at) / 2  # half way through the outing
    assert booking.expires_at is not None
    assert booking.expires_at < late

    with pytest.raises(HoldExpired):
        services.confirm_booking(guest=guest, reference=booking.reference, now=late)
    booking.refresh_from_db()
    assert booking.status != Booking.Status.CONFIRMED
