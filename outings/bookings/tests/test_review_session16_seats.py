"""Review (session 16): the seat guard and the lapse of holds and requests, pinned where a mutation
audit found nothing that would notice a change: the instant a hold lapses (expires_at equal to
the `now` every reader binds) for the reads, a newcomer, the host's accept and the guest's
cancel; a request's deadline before a date that starts soon; what the pages answer a confirm
or an accept that came too late; and the conditional UPDATE's own check that its date is open.
The races of the guard (a date cancelled or
moved while a hold waits for its row) are in test_races_session16_seats.py. Personas come from
conftest.py."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import HoldExpired, InvalidBookingState, SlotFull
from outings.bookings.models import Booking, BookingEvent
from outings.bookings.selectors import SEATS_LEFT_SQL
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.notifications.models import Notification
from outings.scheduling.models import Slot
from outings.scheduling.selectors import bookable_slots, upcoming_slots

pytestmark = pytest.mark.django_db


# --- The guard: a date cancelled since the hold lapsed -----------------------------------------


def test_a_lapsed_hold_is_not_confirmed_on_a_date_cancelled_since(
    guest: User, host: HostProfile, slot: Slot
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


# --- The instant a hold or request lapses: expires_at == now ----------------------------------
# Every reader binds the caller's `now` (Python's clock, never the database's now()), so a
# booking lapses at exactly the instant its expires_at names: free from then on, held before.

JUST_BEFORE = timedelta(microseconds=1)


def full_date(guest: User, listing: Listing, *, instant: bool) -> tuple[Slot, Booking]:
    """A date of 2 seats, both taken at NOW by A's hold (instant booking) or request."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=instant)
    slot = SlotFactory.create(listing=listing, capacity=2)
    first = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert first.status == (Booking.Status.HELD if instant else Booking.Status.REQUESTED)
    return slot, first


def seats_left_sql(slot: Slot, *, now: datetime) -> int:
    """The date's seats left as search and the featured listings read them (SEATS_LEFT_SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SEATS_LEFT_SQL} FROM scheduling_slot s WHERE s.id = %(slot)s",  # noqa: S608
            {"slot": slot.pk, "now": now},
        )
        row = cursor.fetchone()
    return int(row[0])


@pytest.mark.parametrize("instant", [True, False], ids=["hold", "request"])
def test_every_read_counts_seats_as_free_from_the_instant_they_lapse(
    guest: User, listing: Listing, instant: bool
) -> None:
    """The listing page and the API's dates (with_seats_left), search (SEATS_LEFT_SQL) and the
    bookable dates (bookable_slots) agree with the booking's own status (status_at): at
    expires_at the seats are free, a microsecond before they are not. A request the host left
    unanswered counts like a hold."""
    slot, first = full_date(guest, listing, instant=instant)
    lapses = first.expires_at
    assert lapses is not None

    def reads(now: datetime) -> tuple[int, int, bool, str]:
        (shown,) = upcoming_slots(listing_id=listing.pk, now=now, limit=1)
        return (
            shown.seats_left,
            seats_left_sql(slot, now=now),
            bookable_slots(now=now).filter(pk=slot.pk).exists(),
            first.status_at(now),
        )

    ended = Booking.Status.EXPIRED if instant else Booking.Status.DECLINED
    assert reads(lapses - JUST_BEFORE) == (0, 0, False, first.status)
    assert reads(lapses) == (2, 2, True, ended)
    assert consistent(slot) == 2  # nothing swept: only the reads count the seats as free


@pytest.mark.parametrize("instant", [True, False], ids=["hold", "request"])
def test_a_newcomer_gets_the_seats_of_a_full_date_at_the_instant_they_lapse(
    guest: User, other_guest: User, listing: Listing, instant: bool
) -> None:
    """B asks for the 2 seats A's hold or request took: refused a microsecond before it lapses,
    given them at its expires_at (release_expired lapses it on the spot)."""
    slot, first = full_date(guest, listing, instant=instant)
    lapses = first.expires_at
    assert lapses is not None

    with pytest.raises(SlotFull):
        services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=lapses - JUST_BEFORE)
    second = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=lapses)

    first.refresh_from_db()
    ended = Booking.Status.EXPIRED if instant else Booking.Status.DECLINED
    assert (first.status, first.ended_at) == (ended, lapses)
    assert second.status == (Booking.Status.HELD if instant else Booking.Status.REQUESTED)
    assert consistent(slot) == 2


# --- A request made shortly before the start --------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "before"),
    [(False, timedelta(hours=3)), (True, timedelta(minutes=5))],
    ids=["request", "hold"],
)
def test_what_is_asked_shortly_before_the_start_lapses_at_the_start(
    guest: User, host: HostProfile, listing: Listing, instant: bool, before: timedelta
) -> None:
    """A request made 3 hours before the start (the host has 24 to answer) lapses at the start,
    as a hold made 5 minutes before it (10 to confirm): its due row ends it then, the host is
    asked to answer by then, and from then on the host can no longer accept it (past the
    start, accepting confirmed a date already under way)."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=instant)
    slot = SlotFactory.create(listing=listing)
    start = slot.starts_at

    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=start - before)

    assert booking.expires_at == start
    assert OutboxMessage.objects.get(kind="bookings.expire").due_at == start
    if instant:
        return
    asked = Notification.objects.get(user=host.user, kind="booking.requested")
    assert asked.data["expires_at"] == start.isoformat()
    with pytest.raises(HoldExpired):
        services.accept_request(host=host, reference=booking.reference, now=start)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED  # left to its due row


# --- The host's answer to a request that lapsed -----------------------------------------------


def request_on(listing: Listing, guest: User) -> Booking:
    """A's request for 2 seats at NOW, on a date of 2."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    slot = SlotFactory.create(listing=listing, capacity=2)
    return services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)


@pytest.mark.parametrize("late", [timedelta(0), timedelta(minutes=1)], ids=["at", "after"])
def test_the_host_cannot_accept_a_request_that_lapsed(
    guest: User, host: HostProfile, listing: Listing, late: timedelta
) -> None:
    """From its expires_at on, a request reads as declined to everyone (the guest's page, the
    host's roster, seats left) though its due row may not have ended it yet: accepting it then
    is refused with a reason and writes nothing (no confirmation, no event, no mail)."""
    request = request_on(listing, guest)
    assert request.expires_at is not None
    written = (
        BookingEvent.objects.count(),
        OutboxMessage.objects.count(),
        Notification.objects.count(),
    )

    with pytest.raises(HoldExpired) as refused:
        services.accept_request(
            host=host, reference=request.reference, now=request.expires_at + late
        )

    assert refused.value.message == "The request lapsed; the guest may ask again."
    request.refresh_from_db()
    assert (request.status, request.confirmed_at) == (Booking.Status.REQUESTED, None)
    assert consistent(request.slot) == 2  # its seats are freed by its due row, as always
    assert (
        BookingEvent.objects.count(),
        OutboxMessage.objects.count(),
        Notification.objects.count(),
    ) == written


def test_the_host_accepts_a_request_up_to_the_instant_it_lapses(
    guest: User, host: HostProfile, listing: Listing
) -> None:
    request = request_on(listing, guest)
    assert request.expires_at is not None

    accepted = services.accept_request(
        host=host, reference=request.reference, now=request.expires_at - JUST_BEFORE
    )

    assert accepted.status == Booking.Status.CONFIRMED
    assert consistent(request.slot) == 2


# --- The pages' answer to a confirm or an accept that came too late ---------------------------


def test_the_booking_page_says_the_hold_lapsed_when_its_seats_went(
    guest: User, other_guest: User, guest_client: Client, listing: Listing
) -> None:
    slot = SlotFactory.create(listing=listing, capacity=2)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    Booking.objects.filter(pk=held.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=timezone.now())

    response = guest_client.post(f"/bookings/{held.reference}/confirm/")

    assert response.status_code == 409
    page = response.content.decode()
    assert "Your hold expired and the seats have been taken by someone else." in page
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert consistent(slot) == 2


def test_the_hosts_booking_page_says_the_request_lapsed(
    guest: User, host: HostProfile, client: Client, listing: Listing
) -> None:
    request = request_on(listing, guest)
    Booking.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(host.user)

    response = client.post(f"/host/bookings/{request.reference}/", {"action": "accept"})

    assert response.status_code == 409
    assert "The request lapsed; the guest may ask again." in response.content.decode()
    request.refresh_from_db()
    assert request.status == Booking.Status.REQUESTED
    assert consistent(request.slot) == 2


# --- A guest cancelling at the instant their hold or request lapses ---------------------------


@pytest.mark.parametrize("instant", [True, False], ids=["hold", "request"])
def test_a_hold_or_request_cannot_be_cancelled_at_the_instant_it_lapses(
    guest: User, listing: Listing, instant: bool
) -> None:
    """At expires_at the booking is expired (a hold) or declined (a request) for every reader
    (Booking.status_at), though its due row has not run: cancelling it then would record a
    lapse as the guest's cancellation. Refused, nothing written."""
    slot, held = full_date(guest, listing, instant=instant)
    assert held.expires_at is not None
    events = BookingEvent.objects.count()

    with pytest.raises(InvalidBookingState) as refused:
        services.cancel_booking(guest=guest, reference=held.reference, now=held.expires_at)

    ended = "expired" if instant else "declined"
    assert refused.value.message == f"This booking is already {ended}."
    held.refresh_from_db()
    pending = Booking.Status.HELD if instant else Booking.Status.REQUESTED
    assert (held.status, held.cancelled_by) == (pending, "")  # left to its due row
    assert BookingEvent.objects.count() == events
    assert consistent(slot) == 2
