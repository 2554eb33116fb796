"""Review (session 23): a one-off date beside a date made by hand (staff add one in the admin,
or correct the times of a rule's date, which then leaves its rule). A 90-minute listing has a
date made by hand on Monday 8 June at 10:15; its host adds a one-off date that day at 10:30:
accepted (201, "Schedule added"), and no date came of it, since the sync makes none beside
another group (sync._clear_of_other_groups). A rule that makes no date is refused with the
reason (docs/hosting.md), and so is a start moved, or brought back by an undo, beside such a
date: now so is a one-off date. Each test failed on the code it was written against, but the
control."""

from datetime import UTC, date, datetime, time

import pytest

from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData, ScheduleOverlap
from outings.scheduling.tests.test_review_session10 import berlin_listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def listing() -> Listing:
    listing = berlin_listing(duration_minutes=90)
    SlotFactory.create(  # 10:15 to 11:45 in Berlin, no rule
        listing=listing,
        schedule=None,
        starts_at=datetime(2026, 6, 8, 8, 15, tzinfo=UTC),
        ends_at=datetime(2026, 6, 8, 9, 45, tzinfo=UTC),
    )
    return listing


def _one_off(listing: Listing, at: time) -> Schedule:
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(kind="once", start_times=[at], valid_from=date(2026, 6, 8), capacity=5),
        now=NOW,
    )


def test_a_one_off_date_beside_a_date_made_by_hand_is_refused(listing):
    with pytest.raises(ScheduleOverlap) as refused:
        _one_off(listing, time(10, 30))

    assert refused.value.fields == {
        "start_times": ["2026-06-08 10:15 and 10:30 overlap: the listing lasts 90 minutes."]
    }
    assert not Schedule.objects.exists()
    assert Slot.objects.count() == 1


def test_the_page_says_why(client):
    listing = berlin_listing(duration_minutes=90)
    SlotFactory.create(  # Monday 2 June 2031, 10:15 to 11:45 in Berlin, no rule
        listing=listing,
        schedule=None,
        starts_at=datetime(2031, 6, 2, 8, 15, tzinfo=UTC),
        ends_at=datetime(2031, 6, 2, 9, 45, tzinfo=UTC),
    )
    client.force_login(listing.host.user)

    response = client.post(
        f"/host/listings/{listing.pk}/schedules/",
        {"kind": "once", "start_times": "10:30", "valid_from": "2031-06-02", "capacity": "5"},
    )

    assert response.status_code == 409
    assert "10:15 and 10:30 overlap" in response.content.decode()
    assert not Schedule.objects.exists()


def test_a_one_off_date_after_it_is_made(listing):
    """The control: once the group made by hand is back, the date is made."""
    rule = _one_off(listing, time(11, 45))

    assert list(Slot.objects.filter(schedule=rule).values_list("starts_at", flat=True)) == [
        datetime(2026, 6, 8, 9, 45, tzinfo=UTC)
    ]


def test_a_one_off_date_whose_own_start_staff_moved_can_still_be_changed(listing):
    """The control: staff corrected the one-off date's times (its date leaves the rule, whose
    start that day is cancelled); the rule's own start no longer counts beside it."""
    Slot.objects.filter(listing=listing).delete()
    rule = _one_off(listing, time(10, 30))
    date_of_rule = Slot.objects.get(schedule=rule)
    was = date_of_rule.starts_at
    date_of_rule.starts_at = datetime(2026, 6, 8, 8, 45, tzinfo=UTC)  # 10:45 in Berlin
    date_of_rule.ends_at = datetime(2026, 6, 8, 10, 15, tzinfo=UTC)
    date_of_rule.save()
    services.times_corrected(slot_id=date_of_rule.pk, was_starts_at=was)

    changed = services.update_schedule(
        host=listing.host,
        listing_id=listing.pk,
        schedule_id=rule.pk,
        data=ScheduleData(
            kind="once", start_times=[time(10, 30)], valid_from=date(2026, 6, 8), capacity=7
        ),
        now=NOW,
        expected_version=rule.version,
    )

    assert changed.capacity == 7
