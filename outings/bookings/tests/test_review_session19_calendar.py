"""The Outlook "add to calendar" link as outlook.live.com reads it: its deeplink shows a "+" in
a query value as a plus sign (a title "Tapas+&+wine") and reads "%2B" as a space, so a start
written with its offset ("…T09:00:00+00:00") reached it as "…T09:00:00 00:00". Spaces go as
"%20" and times in UTC with "Z", as the add-to-calendar libraries write them."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from outings.accounts.models import User
from outings.bookings import calendar, services
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def test_the_outlook_link_has_no_plus_signs_and_utc_times(guest: User, listing: Listing) -> None:
    Listing.objects.filter(pk=listing.pk).update(
        title="Tapas & wine, old town", time_zone="Europe/Madrid", meeting_point="Plaza Mayor 1"
    )
    starts = datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
    slot = SlotFactory.create(
        listing=listing, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=8
    )
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    booking = services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)

    url = urlparse(calendar.outlook_calendar_url(booking))
    query = parse_qs(url.query)

    assert "+" not in url.query
    assert "subject=Tapas%20%26%20wine%2C%20old%20town" in url.query
    assert query["subject"] == ["Tapas & wine, old town"]
    assert query["startdt"] == ["2030-07-01T09:00:00Z"]
    assert query["enddt"] == ["2030-07-01T11:00:00Z"]
    assert query["location"][0].startswith("Plaza Mayor 1")
