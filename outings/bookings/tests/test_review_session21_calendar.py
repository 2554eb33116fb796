"""Calendar invites across the night the clocks go back (session 21). Times are written at the
listing's wall-clock time with its zone (TZID), and a wall-clock time that night has twice is
read as its first occurrence (RFC 5545 §3.3.5). A date ending (or starting) in the second one,
02:30 CET after 02:30 CEST in Berlin, was read an hour early: a 90-minute tour from 02:00 CEST
showed in the guest's calendar as 30 minutes, and one starting at the second 02:30 an hour
before it. Such a time is now written in UTC, which is one instant; the others are unchanged.
Read back here by icalendar, as a calendar program reads the file."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from icalendar import Calendar

from outings.accounts.models import User
from outings.bookings import calendar, services
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db

# Berlin, 27 October 2030: 03:00 CEST goes back to 02:00 CET (01:00 UTC).
FIRST_TWO = datetime(2030, 10, 27, 0, 0, tzinfo=UTC)  # 02:00 CEST
SECOND_TWO_THIRTY = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 CET, the second one


def _booked(guest: User, listing: Listing, starts: datetime, minutes: int) -> Booking:
    Listing.objects.filter(pk=listing.pk).update(time_zone="Europe/Berlin")
    slot = SlotFactory.create(
        listing=listing, starts_at=starts, ends_at=starts + timedelta(minutes=minutes)
    )
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)


def _read(booking: Booking) -> tuple[datetime, datetime]:
    """The event's start and end as a calendar program reads the file."""
    (event,) = Calendar.from_ical(calendar.ics(booking)).walk("VEVENT")
    return event.decoded("dtstart").astimezone(UTC), event.decoded("dtend").astimezone(UTC)


@pytest.mark.parametrize(
    ("starts", "minutes"),
    [
        (FIRST_TWO, 90),  # ends at the second 02:30
        (SECOND_TWO_THIRTY, 60),  # starts at the second 02:30
        (FIRST_TWO - timedelta(hours=3), 120),  # 23:00 to 01:00: nothing repeated
        (datetime(2030, 7, 1, 8, 0, tzinfo=UTC), 90),  # a summer morning
    ],
)
def test_the_invite_reads_as_the_dates_instants(
    guest: User, listing: Listing, starts: datetime, minutes: int
) -> None:
    booking = _booked(guest, listing, starts, minutes)

    assert _read(booking) == (starts, starts + timedelta(minutes=minutes))


def test_a_time_not_repeated_is_still_written_at_the_listings_time(
    guest: User, listing: Listing
) -> None:
    """Only a time the night has twice is written in UTC: the start at 02:00 CEST keeps its
    TZID, so the guest's calendar shows the event in the listing's zone."""
    booking = _booked(guest, listing, FIRST_TWO, 90)

    text = calendar.ics(booking).decode()

    assert "DTSTART;TZID=Europe/Berlin:20301027T020000" in text
    assert "DTEND:20301027T013000Z" in text


def test_the_google_link_gives_the_dates_instants(guest: User, listing: Listing) -> None:
    """Google reads `dates` at `ctz`'s wall-clock time, unless written in UTC with Z."""
    booking = _booked(guest, listing, FIRST_TWO, 90)

    query = parse_qs(urlparse(calendar.google_calendar_url(booking)).query)

    assert query["dates"] == ["20301027T000000Z/20301027T013000Z"]
    assert query["ctz"] == ["Europe/Berlin"]
