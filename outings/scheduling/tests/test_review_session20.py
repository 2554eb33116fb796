"""Review of scheduling (session 20)."""

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from outings.bookings import services as bookings
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling import events
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.services import SyncResult, materialize_schedules
from outings.scheduling.services.sync import announce_retimed
from outings.scheduling.tests.test_races_session18_materialize import weekly_rule
from outings.scheduling.tests.test_slots import MONDAY

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)  # before every factory slot


def test_announce_retimed_names_the_last_booking_and_entry_of_the_moved_dates_in_one_query(
    django_assert_num_queries,
):
    """One statement reads both bounds (it ran one aggregate per table), then the outbox row."""
    listing = ListingFactory.create(max_group_size=6)
    moved, full, elsewhere = SlotFactory.create_batch(3, listing=listing, capacity=2)
    guest, waiting, later = UserFactory.create_batch(3)
    held = bookings.hold_seats(guest=guest, slot_id=moved.pk, seats=1, now=NOW)
    bookings.hold_seats(guest=guest, slot_id=full.pk, seats=2, now=NOW)
    entry = bookings.join_waitlist(guest=waiting, slot_id=full.pk, seats=1, now=NOW)
    # Made later, on a date that did not move: neither bound names them.
    bookings.hold_seats(guest=later, slot_id=elsewhere.pk, seats=2, now=NOW)
    bookings.join_waitlist(guest=waiting, slot_id=elsewhere.pk, seats=1, now=NOW)
    last_booking_on_full = full.bookings.get().pk

    with django_assert_num_queries(2):
        announce_retimed(slot_ids=[moved.pk, full.pk])

    told = OutboxMessage.objects.filter(kind=events.RETIMED).values_list("payload", flat=True)
    assert list(told) == [
        {
            "slots": [moved.pk, full.pk],
            "last_booking": last_booking_on_full,
            "last_entry": entry.pk,
        }
    ]
    assert held.pk < last_booking_on_full


def test_announce_retimed_names_zero_for_dates_nobody_booked_or_waits_on(
    django_assert_num_queries,
):
    slot = SlotFactory.create()

    with django_assert_num_queries(2):
        announce_retimed(slot_ids=[slot.pk], was_starts_at={str(slot.pk): NOW.isoformat()})

    told = OutboxMessage.objects.filter(kind=events.RETIMED).values_list("payload", flat=True)
    assert list(told) == [
        {
            "slots": [slot.pk],
            "last_booking": 0,
            "last_entry": 0,
            "was_starts_at": {str(slot.pk): NOW.isoformat()},
        }
    ]


def overlapping(listing_id: int) -> list[tuple[datetime, datetime]]:
    """Pairs of the listing's open dates out at the same time (one group at a time: none)."""
    dates = list(
        Slot.objects.filter(listing_id=listing_id, status=Slot.Status.OPEN)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    return [(a, b) for (a, end), (b, _end) in itertools.pairwise(dates) if b < end]


def test_a_rule_longer_than_a_day_makes_no_date_while_its_group_of_a_day_before_is_out():
    """A three-day outing every Monday and Wednesday at 09:00: the rules compare start times
    on one day, and each run made dates one group at a time from the listing's today only. Run
    on a Monday, Wednesday's group (out while Monday's is) got no date; run on the Tuesday,
    Monday's start was before today and not counted, and Wednesday got one: two groups out at
    once (the hourly run makes its dates from a day that moves)."""
    listing = ListingFactory.create(time_zone="America/Toronto", duration_minutes=3 * 24 * 60)
    Schedule.objects.create(
        listing=listing,
        weekdays=[0, 2],
        start_times=[time(9)],
        valid_from=date(2026, 11, 1),
        capacity=12,
    )
    materialize_schedules(now=MONDAY, horizon_days=13)
    assert overlapping(listing.pk) == []

    materialize_schedules(now=MONDAY + timedelta(days=1, hours=8), horizon_days=13)

    assert overlapping(listing.pk) == []
    assert list(
        Slot.objects.filter(listing=listing)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    ) == [MONDAY + timedelta(days=days, hours=9) for days in (0, 7, 14)]  # 09:00 in Toronto


def test_one_rule_that_fails_holds_back_no_other_rule_in_the_hourly_run(caplog):
    """Each rule in its own transaction so that one failure does not hold back the rest, the
    run says; the first that raised ended the run, and every rule after it got no dates. Here
    the rule that raises is a one-off date stored on the last day a date can have (its start
    in UTC is past year 9999: OverflowError). It was a listing saved with a zone that is no
    IANA name until that stopped failing (test_review_session20_bad_zone.py: UTC instead)."""
    broken, fine = weekly_rule().listing, weekly_rule().listing  # in Toronto
    Schedule.objects.filter(listing=broken).update(
        kind=Schedule.Kind.ONCE,
        valid_from=date.max,
        valid_until=date.max,
        weekdays=[date.max.weekday()],
    )

    result = materialize_schedules(now=MONDAY, horizon_days=6)

    assert result == SyncResult(created=1, removed=0, kept_booked=0)
    assert list(Slot.objects.values_list("listing_id", flat=True)) == [fine.pk]
    failed = [record for record in caplog.records if record.levelname == "ERROR"]
    assert [record.getMessage() for record in failed] == [
        f"schedules: rule {broken.schedules.get().pk} of listing {broken.pk} failed; "
        "the others go on"
    ]
