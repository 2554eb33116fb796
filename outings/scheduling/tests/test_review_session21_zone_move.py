"""A listing's meeting point moved to a time zone whose summer time falls in the other half of the
year (Halifax to Santiago de Chile): its dates made by hand keep their wall-clock starts, so in
the northern winter they move an hour earlier and in the northern summer an hour later, both in
one edit. The moves were made one date at a time in a single direction (the sum of the shifts),
so a date an hour after another moving the other way took that one's start before it had left:
slot_unique_start, an IntegrityError, a 500 on the host's edit."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, SlotFactory
from outings.hosting.tests.fixtures import listing_data
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleOverlap
from outings.scheduling.services.listing_change import _move_starts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

HALIFAX, SANTIAGO = ZoneInfo("America/Halifax"), ZoneInfo("America/Santiago")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# Wall-clock times in Halifax (the dates made by hand), and where they should stay in Santiago.
WINTER = [datetime(2027, 1, 12, hour, 0, tzinfo=HALIFAX) for hour in (9, 10)]  # -4; -3
SHOULDER = [datetime(2027, 3, 20, 9, 0, tzinfo=HALIFAX)]  # Halifax's clocks went on: -3; -3
SUMMER = [datetime(2027, 7, 13, hour, 0, tzinfo=HALIFAX) for hour in (9, 10)]  # -3; -4


def test_the_two_zones_disagree_on_summer_time_as_the_test_needs() -> None:
    def offset(local: datetime, zone: ZoneInfo) -> timedelta | None:
        return local.replace(tzinfo=zone).utcoffset()  # the same wall-clock time there

    assert [offset(d, HALIFAX) for d in (WINTER[0], SHOULDER[0], SUMMER[0])] == [
        timedelta(hours=-4),
        timedelta(hours=-3),
        timedelta(hours=-3),
    ]
    assert [offset(d, SANTIAGO) for d in (WINTER[0], SHOULDER[0], SUMMER[0])] == [
        timedelta(hours=-3),
        timedelta(hours=-3),
        timedelta(hours=-4),
    ]


def _halifax_listing() -> Listing:
    host = HostProfileFactory.create()
    listing = catalog_services.create_listing(
        host=host,
        data=listing_data(latitude=44.65, longitude=-63.57, duration_minutes=60),
        actor=host.user,
    )
    assert listing.time_zone == "America/Halifax"
    return listing


def _moved(listing: Listing, *, latitude: float, longitude: float) -> Listing:
    return catalog_services.update_listing(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=listing_data(latitude=latitude, longitude=longitude, duration_minutes=60),
        actor=listing.host.user,
        now=NOW,
    )


@pytest.mark.parametrize(
    "extra",
    [
        # One more date moving later than earlier: the moves were made latest first.
        [datetime(2027, 7, 14, 9, 0, tzinfo=HALIFAX)],
        # One more moving earlier: earliest first.
        [datetime(2027, 1, 13, 9, 0, tzinfo=HALIFAX)],
    ],
)
def test_dates_made_by_hand_keep_their_wall_clock_when_they_move_both_ways(
    extra: list[datetime],
) -> None:
    listing = _halifax_listing()
    locals_ = sorted([*WINTER, *SHOULDER, *SUMMER, *extra])
    for local in locals_:
        start = local.astimezone(UTC)
        SlotFactory.create(listing=listing, starts_at=start, ends_at=start + timedelta(hours=1))

    moved = _moved(listing, latitude=-33.45, longitude=-70.66)

    assert moved.time_zone == "America/Santiago"
    slots = Slot.objects.filter(listing=listing).order_by("starts_at")
    assert [
        (slot.starts_at.astimezone(SANTIAGO).replace(tzinfo=None), slot.ends_at - slot.starts_at)
        for slot in slots
    ] == [(local.replace(tzinfo=None), timedelta(hours=1)) for local in locals_]
    assert Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).count() == len(locals_)


@pytest.mark.parametrize("seats_taken", [0, 2])
def test_a_date_in_the_repeated_hour_stays_put_in_a_zone_with_the_same_rules(
    seats_taken: int,
) -> None:
    """Berlin to Paris: the same clocks, so no date moves. One made by hand at the second 02:30
    of the night the clocks go back was put at the first (an hour earlier, the other way round
    from every other date), and with guests booked the move was refused as one that would move
    their date."""
    host = HostProfileFactory.create()
    listing = catalog_services.create_listing(
        host=host, data=listing_data(duration_minutes=60), actor=host.user
    )
    assert listing.time_zone == "Europe/Berlin"
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET, after 02:30 CEST
    date_ = SlotFactory.create(
        listing=listing,
        starts_at=second,
        ends_at=second + timedelta(hours=1),
        seats_taken=seats_taken,
    )

    moved = _moved(listing, latitude=48.8566, longitude=2.3522)

    assert moved.time_zone == "Europe/Paris"
    date_.refresh_from_db()
    assert (date_.starts_at, date_.ends_at) == (second, second + timedelta(hours=1))


def test_two_dates_the_old_zone_repeats_and_the_new_one_does_not_are_refused_not_a_500() -> None:
    """Halifax repeats 01:00 to 02:00 on 7 November 2027; Santiago does not. Dates made by hand
    at the first and the second 01:30 would both start at Santiago's one 01:30: refused as an
    overlap, nothing changed (it was an IntegrityError, a 500)."""
    listing = _halifax_listing()
    first = datetime(2027, 11, 7, 1, 30, tzinfo=HALIFAX).astimezone(UTC)
    second = first + timedelta(hours=1)
    assert second.astimezone(HALIFAX).timetuple()[:5] == (2027, 11, 7, 1, 30)
    for start in (first, second):
        SlotFactory.create(listing=listing, starts_at=start, ends_at=start + timedelta(hours=1))

    with pytest.raises(ScheduleOverlap) as refused:
        _moved(listing, latitude=-33.45, longitude=-70.66)

    assert refused.value.fields == {
        "duration_minutes": ["2027-11-07 01:30 and 01:30 overlap: the listing lasts 60 minutes."]
    }
    listing.refresh_from_db()
    assert listing.time_zone == "America/Halifax"
    assert sorted(Slot.objects.filter(listing=listing).values_list("starts_at", flat=True)) == [
        first,
        second,
    ]


def test_two_dates_that_swap_starts_both_move() -> None:
    """No pair of zones known makes dates swap their starts, but the moves must not depend on
    it: each waits for the other, and one is parked at a free instant on the way."""
    listing = _halifax_listing()
    ten = datetime(2027, 1, 12, 14, 0, tzinfo=UTC)
    eleven = ten + timedelta(hours=1)
    a = SlotFactory.create(listing=listing, starts_at=ten, ends_at=ten + timedelta(hours=1))
    b = SlotFactory.create(listing=listing, starts_at=eleven, ends_at=eleven + timedelta(hours=1))

    _move_starts(
        {a.pk: (ten, eleven), b.pk: (eleven, ten)},
        listing_id=listing.pk,
        duration=timedelta(minutes=90),
    )

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.starts_at, a.ends_at) == (eleven, eleven + timedelta(minutes=90))
    assert (b.starts_at, b.ends_at) == (ten, ten + timedelta(minutes=90))


def test_a_date_that_would_move_onto_a_cancelled_dates_start_is_refused_not_a_500() -> None:
    """The host cancelled the 08:00 date and kept the 09:00 one (both made by hand), then moved
    the meeting point to Santiago, where 09:00 is the instant 08:00 was in Halifax: the open date
    would start where the cancelled one does, which slot_unique_start refuses (an IntegrityError,
    a 500). Refused with 409, naming the date, and nothing changes."""
    listing = _halifax_listing()
    eight, nine = (datetime(2027, 1, 12, h, 0, tzinfo=HALIFAX).astimezone(UTC) for h in (8, 9))
    SlotFactory.create(
        listing=listing,
        starts_at=eight,
        ends_at=eight + timedelta(hours=1),
        status=Slot.Status.CANCELLED,
    )
    SlotFactory.create(listing=listing, starts_at=nine, ends_at=nine + timedelta(hours=1))
    before = list(Slot.objects.filter(listing=listing).order_by("pk").values())

    with pytest.raises(ScheduleOverlap) as refused:
        _moved(listing, latitude=-33.45, longitude=-70.66)

    message = (
        "A date of this listing that is cancelled or has begun starts at 2027-01-12 09:00 "
        "(America/Santiago time), where another date would move in the new time zone. Keep "
        "the meeting point in the same time zone."
    )
    assert refused.value.fields == {"latitude": [message]}
    listing.refresh_from_db()
    assert listing.time_zone == "America/Halifax"
    assert list(Slot.objects.filter(listing=listing).order_by("pk").values()) == before
