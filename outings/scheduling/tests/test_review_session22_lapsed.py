"""Review (session 22): issue 7 says a hold whose time ran out is "treated as free by every
read", and the seat reads do so (SEATS_LEFT_SQL, bookings' selectors). A date whose only
booking was a hold (or a request) that ran out before the sweep recorded it still counted as
booked where a change of the host's dates asks whether they have bookings: a weekly rule
changed so that the date is no longer wanted, the rule removed, the listing's meeting point
moved to another time zone (its rules' dates and those made by hand), the listing archived.
Each was refused ("Guests have booked ...") until the sweep ran. A lapsed hold or request now
counts as nothing there; the date goes (kept, cancelled, as the record of the booking that
names it), the sweep then records the lapse, and the guest can no longer confirm the hold on
the cancelled date. A hold still running is still a booking (the controls)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.bookings.errors import HoldExpired
from outings.bookings.models import Booking
from outings.catalog import services as catalog
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, SlotFactory, UserFactory
from outings.hosting.tests.fixtures import listing_data
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData, SlotHasBookings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

NOW = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)  # a Monday
LATER = NOW + timedelta(hours=25)  # a hold's 10 minutes and a request's 24 hours have run out
HALIFAX = {"latitude": 44.65, "longitude": -63.57}
SANTIAGO = {"latitude": -33.45, "longitude": -70.67}  # an hour behind Halifax in June


def weekly(**overrides: object) -> ScheduleData:
    values: dict[str, object] = {
        "weekdays": [0, 2],
        "start_times": [time(10)],
        "valid_from": date(2027, 6, 7),
        "valid_until": date(2027, 6, 20),
        "capacity": 8,
    }
    values.update(overrides)
    return ScheduleData(**values)  # type: ignore[arg-type]


@pytest.fixture
def listing() -> Listing:
    """A published listing in Halifax with a weekly rule, Mondays and Wednesdays at 10:00."""
    host = HostProfileFactory.create()
    made = catalog.create_listing(
        host=host, data=listing_data(duration_minutes=60, **HALIFAX), actor=host.user
    )
    Listing.objects.filter(pk=made.pk).update(status=Listing.Status.PUBLISHED)
    made.refresh_from_db()
    services.create_schedule(host=host, listing_id=made.pk, data=weekly(), now=NOW)
    return made


@pytest.fixture
def guest() -> User:
    return UserFactory.create(email="guest@example.org")


def wednesday(listing: Listing) -> Slot:
    """The first Wednesday's date (June 9, 10:00 in Halifax)."""
    return Slot.objects.get(listing=listing, starts_at=datetime(2027, 6, 9, 13, 0, tzinfo=UTC))


def booked(listing: Listing, guest: User, slot: Slot, *, at: datetime, request: bool) -> Booking:
    """Two seats on `slot`, held (or requested, on a listing by request) at `at`."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=not request)
    return bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=at)


def drop_wednesdays(listing: Listing) -> None:
    schedule = Schedule.objects.get(listing=listing)
    services.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(weekdays=[0]), now=LATER
    )


def remove_rule(listing: Listing) -> None:
    schedule = Schedule.objects.get(listing=listing)
    services.delete_schedule(host=listing.host, schedule_id=schedule.pk, now=LATER)


def move_to_santiago(listing: Listing) -> None:
    listing.refresh_from_db()
    catalog.update_listing(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=listing_data(duration_minutes=60, **SANTIAGO),
        actor=listing.host.user,
        now=LATER,
    )


def archive(listing: Listing) -> None:
    catalog.archive_listing(
        host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=LATER
    )


CHANGES = [drop_wednesdays, remove_rule, move_to_santiago, archive]


@pytest.mark.parametrize("request_to_book", [False, True], ids=["hold", "request"])
@pytest.mark.parametrize("change", CHANGES)
def test_a_date_whose_only_booking_ran_out_is_no_booked_date(
    listing: Listing, guest: User, change: object, request_to_book: bool
) -> None:
    slot = wednesday(listing)
    booking = booked(listing, guest, slot, at=NOW, request=request_to_book)

    change(listing)  # type: ignore[operator]

    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED  # kept: a booking names it
    if change is move_to_santiago:
        # The rule's date keeps its wall-clock time in the new zone: an hour later.
        moved = Slot.objects.get(listing=listing, starts_at=datetime(2027, 6, 9, 14, tzinfo=UTC))
        assert (moved.status, moved.seats_taken) == (Slot.Status.OPEN, 0)
    # The sweep then records the lapse and gives the seats back.
    assert bookings.expire_booking(booking_id=booking.pk, now=LATER)
    booking.refresh_from_db()
    slot.refresh_from_db()
    lapsed = Booking.Status.DECLINED if request_to_book else Booking.Status.EXPIRED
    assert booking.status == lapsed
    assert slot.seats_taken == 0


@pytest.mark.parametrize("change", [drop_wednesdays, remove_rule, move_to_santiago, archive])
def test_a_lapsed_hold_cannot_be_confirmed_on_the_date_that_went(
    listing: Listing, guest: User, change: object
) -> None:
    """Confirming a lapsed hold nobody swept keeps its seats (bookings.confirm_booking): on a
    date the change took off sale it would have been a confirmed booking of a cancelled date."""
    slot = wednesday(listing)
    booking = booked(listing, guest, slot, at=NOW, request=False)
    change(listing)  # type: ignore[operator]

    with pytest.raises(HoldExpired):
        bookings.confirm_booking(guest=guest, reference=booking.reference, now=LATER)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    assert booking.status_at(LATER) == Booking.Status.EXPIRED


@pytest.mark.parametrize("change", [drop_wednesdays, remove_rule, move_to_santiago])
def test_a_hold_still_running_is_still_a_booking(
    listing: Listing, guest: User, change: object
) -> None:
    slot = wednesday(listing)
    booked(listing, guest, slot, at=LATER - timedelta(minutes=1), request=False)

    with pytest.raises(SlotHasBookings):
        change(listing)  # type: ignore[operator]

    slot.refresh_from_db()
    assert (slot.status, slot.seats_taken) == (Slot.Status.OPEN, 2)
    assert slot.starts_at == datetime(2027, 6, 9, 13, 0, tzinfo=UTC)


def test_a_date_made_by_hand_whose_hold_ran_out_follows_a_new_zone(
    listing: Listing, guest: User
) -> None:
    by_hand = SlotFactory.create(
        listing=listing,
        schedule=None,
        starts_at=datetime(2027, 6, 10, 13, 0, tzinfo=UTC),  # Thursday 10:00 in Halifax
        ends_at=datetime(2027, 6, 10, 14, 0, tzinfo=UTC),
        capacity=8,
    )
    booked(listing, guest, by_hand, at=NOW, request=False)

    move_to_santiago(listing)

    by_hand.refresh_from_db()
    assert by_hand.starts_at == datetime(2027, 6, 10, 14, 0, tzinfo=UTC)
