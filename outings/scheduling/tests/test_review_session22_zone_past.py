"""A listing's meeting point moved to another time zone keeps each date to come at its wall-clock
start in the new zone. A date due soon (a one-off date, or one made by hand) could so land before
now: Halifax to Santiago de Chile puts a January 09:00 an hour earlier, and at 08:30 Halifax
time it had begun. Nobody was booked on it, so nothing refused the edit: the date made by hand
kept its new start in the past, the one-off date was retired, and the host, who made that date
for its own sake, was never told that it would not take place. The edit is refused, naming the
date, and nothing changes."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings.tests.test_review_session14 import save_listing_in_admin
from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.hosting.tests.fixtures import listing_data
from outings.hosting.tests.test_roster import LISTING_FORM
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData, SlotWouldPass
from outings.scheduling.services import create_schedule
from outings.scheduling.tests.test_review_session21_zone_move import _halifax_listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

HALIFAX = ZoneInfo("America/Halifax")
# 08:30 in Halifax (UTC-4 in January); 09:00 there is 13:00 UTC, 09:00 in Santiago (UTC-3)
# is 12:00 UTC, half an hour before now.
NOW = datetime(2027, 1, 12, 12, 30, tzinfo=UTC)
NINE = datetime(2027, 1, 12, 9, 0, tzinfo=HALIFAX).astimezone(UTC)
MESSAGE = (
    "2027-01-12 09:00 (America/Halifax time) would start at the same time of day in the time "
    "zone of the new meeting point (America/Santiago), which is past. Cancel this date first, "
    "or keep the meeting point in the same time zone."
)


def _moved_to_santiago(listing: Listing) -> Listing:
    return catalog_services.update_listing(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=listing_data(latitude=-33.45, longitude=-70.66, duration_minutes=60),
        actor=listing.host.user,
        now=NOW,
    )


def _one_off(listing: Listing) -> Slot:
    schedule = create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind=Schedule.Kind.ONCE,
            start_times=[time(9, 0)],
            valid_from=date(2027, 1, 12),
            capacity=6,
        ),
        now=NOW - timedelta(days=1),
    )
    return Slot.objects.get(schedule=schedule)


def _by_hand(listing: Listing) -> Slot:
    return SlotFactory.create(listing=listing, starts_at=NINE, ends_at=NINE + timedelta(hours=1))


@pytest.mark.parametrize("made", [_one_off, _by_hand], ids=["one-off", "by hand"])
def test_it_refuses_a_new_zone_that_would_put_a_date_to_come_in_the_past(
    made: Callable[[Listing], Slot],
) -> None:
    listing = _halifax_listing()
    slot = made(listing)
    assert slot.starts_at == NINE
    before = list(Slot.objects.filter(listing=listing).order_by("pk").values())

    with pytest.raises(SlotWouldPass) as refused:
        _moved_to_santiago(listing)

    assert refused.value.code == "slot_would_pass"
    assert refused.value.fields == {"latitude": [MESSAGE]}
    listing.refresh_from_db()
    assert listing.time_zone == "America/Halifax"
    assert list(Slot.objects.filter(listing=listing).order_by("pk").values()) == before


def test_a_date_that_moves_but_stays_to_come_still_moves() -> None:
    """The control: the same date an hour later (10:00 in Halifax, 10:00 in Santiago at 13:00
    UTC) is still to come after the move, and moves."""
    listing = _halifax_listing()
    ten = NINE + timedelta(hours=1)
    slot = SlotFactory.create(listing=listing, starts_at=ten, ends_at=ten + timedelta(hours=1))

    _moved_to_santiago(listing)

    slot.refresh_from_db()
    assert slot.starts_at == datetime(2027, 1, 12, 13, 0, tzinfo=UTC)
    assert slot.status == Slot.Status.OPEN


def test_the_host_page_shows_the_refusal_on_the_meeting_point_and_changes_nothing(
    client: Client,
) -> None:
    """Through the listing form, at the clock's now: Kolkata (UTC+5:30) to Dhaka (UTC+6, no
    summer time in either) puts a date made by hand for a quarter of an hour from now half an
    hour earlier, so before now in any season."""
    host = HostProfileFactory.create()
    listing = catalog_services.create_listing(
        host=host,
        data=listing_data(
            latitude=22.57, longitude=88.36, city="Kolkata", country_code="IN", duration_minutes=60
        ),
        actor=host.user,
    )
    assert listing.time_zone == "Asia/Kolkata"
    soon = (timezone.now() + timedelta(minutes=15)).replace(second=0, microsecond=0)
    SlotFactory.create(listing=listing, starts_at=soon, ends_at=soon + timedelta(hours=1))
    before = list(Slot.objects.filter(listing=listing).values())
    client.force_login(host.user)

    response = client.post(
        f"/host/listings/{listing.pk}/",
        {
            **LISTING_FORM,
            "duration_minutes": "60",
            "city": "Dhaka",
            "country_code": "bd",
            "latitude": "23.81",
            "longitude": "90.41",
            "version": listing.version,
        },
    )

    assert response.status_code == 409
    when = f"{soon.astimezone(ZoneInfo('Asia/Kolkata')):%Y-%m-%d %H:%M}"
    assert (
        f"{when} (Asia/Kolkata time) would start at the same time of day"
        in response.content.decode()
    )
    listing.refresh_from_db()
    assert listing.time_zone == "Asia/Kolkata"
    assert list(Slot.objects.filter(listing=listing).values()) == before


def test_staff_changing_the_zone_in_the_admin_get_the_refusal_on_the_form(
    client: Client,
) -> None:
    """The listing admin tries the change when the form is checked (catalog.admin): the refusal
    is shown there, and nothing is saved."""
    listing = ListingFactory.create(time_zone="Asia/Kolkata")
    soon = (timezone.now() + timedelta(minutes=15)).replace(second=0, microsecond=0)
    SlotFactory.create(listing=listing, starts_at=soon, ends_at=soon + timedelta(hours=1))
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    page = save_listing_in_admin(client, listing, time_zone="Asia/Dhaka")

    assert "(Asia/Kolkata time) would start at the same time of day" in page
    listing.refresh_from_db()
    assert listing.time_zone == "Asia/Kolkata"
    assert Slot.objects.get(listing=listing).starts_at == soon
