from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from outings.accounts.models import User
from outings.bookings import calendar, services
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def booking_across_dst(guest: User, listing: Listing) -> Booking:
    """10:00 in Madrid on the Monday after summer time ends (27 October 2030), booked while
    summer time still applies."""
    Listing.objects.filter(pk=listing.pk).update(time_zone="Europe/Madrid", city="Madrid")
    starts = datetime(2030, 10, 28, 10, 0, tzinfo=MADRID)
    slot = SlotFactory.create(
        listing=listing, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=8
    )
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)


def test_the_invite_is_in_the_listings_zone_across_dst(guest: User, listing: Listing) -> None:
    booking = booking_across_dst(guest, listing)

    parsed = Calendar.from_ical(calendar.ics(booking))

    [event] = parsed.walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute) == (10, 0)
    assert str(start.tzinfo) == "Europe/Madrid"
    assert start.astimezone(UTC) == datetime(2030, 10, 28, 9, 0, tzinfo=UTC)  # CET, +1
    assert event.decoded("dtend").astimezone(UTC) == datetime(2030, 10, 28, 11, 0, tzinfo=UTC)
    assert str(event["uid"]) == f"booking-{booking.reference}@outings"
    assert str(event["status"]) == "CONFIRMED"
    assert booking.reference in str(event["description"])
    [zone] = parsed.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Madrid"


def test_a_cancelled_booking_updates_the_same_event(guest: User, listing: Listing) -> None:
    booking = booking_across_dst(guest, listing)
    before = Calendar.from_ical(calendar.ics(booking)).walk("VEVENT")[0]
    services.cancel_booking(guest=guest, reference=booking.reference, now=NOW)
    booking.refresh_from_db()

    after = Calendar.from_ical(calendar.ics(booking)).walk("VEVENT")[0]

    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("sequence") > before.decoded("sequence")
    assert str(after["status"]) == "CANCELLED"


def test_add_to_calendar_links_carry_local_times(guest: User, listing: Listing) -> None:
    booking = booking_across_dst(guest, listing)

    google = parse_qs(urlparse(calendar.google_calendar_url(booking)).query)
    outlook = parse_qs(urlparse(calendar.outlook_calendar_url(booking)).query)

    assert google["dates"] == ["20301028T100000/20301028T120000"]
    assert google["ctz"] == ["Europe/Madrid"]
    assert google["text"] == [booking.listing.title]
    assert datetime.fromisoformat(outlook["startdt"][0]) == booking.slot.starts_at


def test_the_attachment_renders_from_the_reference(guest: User, listing: Listing) -> None:
    booking = booking_across_dst(guest, listing)

    attached = calendar.ics_attachment(reference=booking.reference)

    assert attached is not None
    assert attached.filename == f"outings-{booking.reference}.ics"
    assert attached.mimetype == "text/calendar"
    assert calendar.ics_attachment(reference="NOSUCHREF2") is None
