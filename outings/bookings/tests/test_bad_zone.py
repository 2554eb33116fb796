"""A listing whose time_zone is no known IANA name (staff could type any text in the admin)
must not break its booking page, its .ics or the invite of its mails: they fall back to UTC."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import calendar, services
from outings.catalog.models import Listing
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(guest: User, slot: Slot, nudges: list[str]):
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booked = services.confirm_booking(guest=guest, reference=held.reference, now=now)
    Listing.objects.filter(pk=slot.listing_id).update(time_zone="Europe/Berln")  # a typo
    return booked


def test_the_listing_page_survives_a_bad_zone(client: Client, slot: Slot, booking) -> None:
    assert client.get(f"/things-to-do/{slot.listing_id}/").status_code == 200


def test_the_booking_page_survives_a_bad_zone(client: Client, guest: User, booking) -> None:
    client.force_login(guest)
    client.raise_request_exception = False
    assert client.get(f"/bookings/{booking.reference}/").status_code == 200


def test_the_invite_renders_with_a_bad_zone(booking) -> None:
    assert calendar.ics_attachment(reference=booking.reference) is not None
