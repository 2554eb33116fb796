"""Review (session 22): a hold whose time ran out and whose seats someone else then took showed
"Your hold ran out. Confirm now and you get the seats if they are still free." with its Confirm
button, and pressing it answered "Your hold expired and the seats have been taken by someone
else." on the same page, Confirm button and all, as often as it was pressed. The page now offers
Confirm only while confirming can take the seats again; else it says why not, with the way to
the listing's other dates."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

CONFIRM_BUTTON = "Confirm booking ("


def _lapsed_hold(guest: User, slot: Slot, seats: int = 2) -> Booking:
    return services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=seats, now=timezone.now() - timedelta(hours=1)
    )


@pytest.fixture
def small_slot(slot: Slot) -> Slot:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    slot.refresh_from_db()
    return slot


def test_a_lapsed_hold_whose_seats_are_free_offers_confirm(
    client: Client, guest: User, small_slot: Slot
) -> None:
    booking = _lapsed_hold(guest, small_slot)
    client.force_login(guest)

    page = client.get(f"/bookings/{booking.reference}/").content.decode()

    assert CONFIRM_BUTTON in page
    assert "Your hold ran out. Confirm now and you get the seats if they are still free." in page


def test_a_lapsed_hold_whose_seats_were_taken_offers_no_confirm(
    client: Client, guest: User, other_guest: User, small_slot: Slot
) -> None:
    booking = _lapsed_hold(guest, small_slot)
    services.hold_seats(guest=other_guest, slot_id=small_slot.pk, seats=2, now=timezone.now())
    client.force_login(guest)

    page = client.get(f"/bookings/{booking.reference}/").content.decode()
    refused = client.post(f"/bookings/{booking.reference}/confirm/")

    for html in (page, refused.content.decode()):
        assert CONFIRM_BUTTON not in html
        assert "Your hold ran out, and its seats are no longer free." in html
        assert f'href="/things-to-do/{small_slot.listing_id}/"' in html
    assert refused.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED


def test_a_lapsed_hold_on_a_cancelled_date_or_a_paused_listing_offers_no_confirm(
    client: Client, guest: User, small_slot: Slot, listing: Listing
) -> None:
    booking = _lapsed_hold(guest, small_slot)
    client.force_login(guest)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)

    paused = client.get(f"/bookings/{booking.reference}/").content.decode()

    assert CONFIRM_BUTTON not in paused
    assert "Your hold ran out, and this listing is not taking bookings now." in paused
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PUBLISHED)
    Slot.objects.filter(pk=small_slot.pk).update(status=Slot.Status.CANCELLED)

    cancelled = client.get(f"/bookings/{booking.reference}/").content.decode()

    assert CONFIRM_BUTTON not in cancelled
    assert "Your hold ran out, and this date was cancelled." in cancelled
