"""The seat guard's own check, in the window where it is the only one: a hold (or the confirm of a
lapsed hold) read its date as open and to come, without a lock, and then waits for the date's
row, which the host cancelling the date or staff moving its start hold until they commit. The
conditional UPDATE then re-reads the row as committed (PostgreSQL re-checks an UPDATE's WHERE on
the row it waited for) and its `status = 'open' AND starts_at > now` refuse; nothing else
would. Each side in its own thread and connection (test_races_session13.race). Last, the
on-the-spot lapse of holds on a full date, which skips a hold another transaction holds locked
instead of waiting for it. Personas come from conftest.py."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.contrib.admin import site as admin_site
from django.db import connection, transaction
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import HoldExpired, SlotUnavailable
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import race
from outings.bookings.tests.test_review_session13_announcements import move_in_admin
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.tests.connections import other_connection
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


@pytest.fixture
def staff_client(client: Client) -> Client:
    assert admin_site.is_registered(Slot)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def change_of(
    change: str, *, slot: Slot, host: HostProfile, staff_client: Client, now: datetime
) -> Callable[[], object]:
    """The host cancels the date, or staff correct its start to half an hour before `now` (it
    began earlier than it said), in the admin."""
    if change == "cancelled":
        return lambda: services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=now)
    return lambda: move_in_admin(staff_client, slot, starts_at=now - timedelta(minutes=30))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("cancelled", "This date was cancelled; pick another."),
        ("started", "This date has started; pick another."),
    ],
)
def test_a_hold_waiting_while_its_date_is_cancelled_or_started_takes_nothing(
    guest: User, host: HostProfile, slot: Slot, staff_client: Client, change: str, message: str
) -> None:
    """A's hold read the date open and to come, then waits for its row while the host cancels
    it, or staff move its start to before the hold's `now`. Without the guard's
    `status = 'open'` (or `starts_at > now`) A held 2 seats on a cancelled date (whose
    cancellation had ended every booking it found) or on one that had started, until the sweep.
    Session 17: it answered `409 slot_full`, as for a full date (and the booking page offered
    the waiting list of a cancelled date); it now answers `slot_unavailable`, as the date gets
    when the hold reads it so from the start, with which it is. The refusal reads the date
    again; a hold that takes its seats reads it once, as before."""
    changing, holding = race(
        change_of(change, slot=slot, host=host, staff_client=staff_client, now=NOW),
        lambda: services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW),
    )

    assert changing.error is None
    assert isinstance(holding.error, SlotUnavailable)
    assert (holding.error.code, holding.error.status_code) == ("slot_unavailable", 409)
    assert holding.error.message == message
    assert not Booking.objects.exists()
    assert consistent(slot) == 0
    if change == "cancelled":
        assert slot.status == Slot.Status.CANCELLED
    else:
        assert slot.starts_at == NOW - timedelta(minutes=30)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("cancelled", "This date was cancelled; the hold lapsed."),
        ("started", "This date has started; the hold lapsed."),
    ],
)
def test_a_lapsed_hold_confirmed_while_its_date_is_cancelled_or_started_stays_lapsed(
    guest: User, host: HostProfile, slot: Slot, staff_client: Client, change: str, message: str
) -> None:
    """A's hold lapsed and was swept; A confirms at the moment the host cancels the date (its
    cancellation locks the date's active bookings, A's is not one, and the date) or staff move
    its start to before the confirm's `now`. The confirm checked the start as it read it and
    waits for the date's row to take the seats again. Without the guard A's booking was
    confirmed, 2 seats taken, on a cancelled date or one that had started; and with it A read
    that the seats had been taken by someone else."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert held.expires_at is not None
    assert services.expire_booking(booking_id=held.pk, now=held.expires_at)
    later = held.expires_at + timedelta(minutes=1)

    changing, confirming = race(
        change_of(change, slot=slot, host=host, staff_client=staff_client, now=later),
        lambda: services.confirm_booking(guest=guest, reference=held.reference, now=later),
    )

    assert changing.error is None
    assert isinstance(confirming.error, HoldExpired)
    assert confirming.error.message == message
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert consistent(slot) == 0


def test_a_newcomer_takes_lapsed_seats_without_waiting_for_a_hold_being_confirmed(
    guest: User, other_guest: User, listing: Listing
) -> None:
    """A date of 4 seats: A's and B's holds of 2 both lapsed, not swept yet. A is confirming
    at that moment: its confirm holds A's row while the payment provider answers (here another
    session holds it, FOR UPDATE). C asks for 2 seats: the hold lapses B's hold on the spot and
    takes its seats, skipping A's, and answers at once. Without SKIP LOCKED it waited for A's
    confirm, however long the provider takes (lock_timeout ends that wait here after 2 s)."""
    slot = SlotFactory.create(listing=listing, capacity=4)
    a = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    b = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    assert a.expires_at == b.expires_at
    lapsed = a.expires_at
    assert lapsed is not None
    newcomer = UserFactory.create()

    confirming = other_connection()
    try:
        confirming.execute("SELECT id FROM bookings_booking WHERE id = %s FOR UPDATE", [a.pk])
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            c = services.hold_seats(guest=newcomer, slot_id=slot.pk, seats=2, now=lapsed)
    finally:
        confirming.rollback()
        confirming.close()

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        a.pk: Booking.Status.HELD,  # skipped: its confirm decides it
        b.pk: Booking.Status.EXPIRED,
        c.pk: Booking.Status.HELD,
    }
    assert consistent(slot) == 4
