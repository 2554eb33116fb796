"""Review (session 22): a listing with a minimum of guests cancels a date that has fewer by its
cut-off, yet nothing a guest read before that said so: not the listing page's booking form, not
the booking's own page. They learnt of the minimum from the cancellation. The form says that
the dates take place only with that many guests (decided that many hours before), and the
booking's page gives the cut-off, at the listing's time, until the date has been decided."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import formats, timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.models import Listing
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_minimum(listing: Listing) -> Listing:
    Listing.objects.filter(pk=listing.pk).update(min_guests=4, min_guests_cutoff_hours=48)
    listing.refresh_from_db()
    return listing


def test_the_listing_pages_booking_form_tells_of_the_minimum(
    client: Client, guest: User, with_minimum: Listing, slot: Slot
) -> None:
    client.force_login(guest)

    page = client.get(f"/things-to-do/{with_minimum.pk}/").content.decode()

    assert 'id="book-form"' in page
    assert (
        "Each date takes place only if at least 4 guests have booked it 48 hours before it "
        "starts; otherwise it is cancelled and everyone gets everything back."
    ) in page


def test_the_booking_page_gives_the_cut_off_until_the_date_is_decided(
    client: Client, guest: User, with_minimum: Listing, slot: Slot
) -> None:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    client.force_login(guest)
    cut_off = (slot.starts_at - timedelta(hours=48)).astimezone(ZoneInfo("America/Toronto"))

    page = client.get(f"/bookings/{booking.reference}/").content.decode()

    when = f"{formats.date_format(cut_off, 'DATETIME_FORMAT')} {formats.date_format(cut_off, 'T')}"
    assert f"It takes place only if at least 4 guests have booked it by {when};" in page
    Slot.objects.filter(pk=slot.pk).update(minimum_checked_at=timezone.now())
    decided = client.get(f"/bookings/{booking.reference}/").content.decode()
    assert "It takes place only if" not in decided


def test_no_minimum_says_nothing(client: Client, guest: User, listing: Listing, slot: Slot) -> None:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    client.force_login(guest)

    listing_page = client.get(f"/things-to-do/{listing.pk}/").content.decode()
    booking_page = client.get(f"/bookings/{held.reference}/").content.decode()

    assert "takes place only if" not in listing_page + booking_page
