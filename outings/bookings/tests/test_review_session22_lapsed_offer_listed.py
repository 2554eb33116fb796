"""Review (session 22): a waiting-list offer whose time ran out, before the sweep recorded it (a
busy or stopped worker), kept its entry under "Waiting lists you are on" on "my bookings" as
"Offered", with no way to confirm it, where the API (`GET /waitlist`) and the offer's own page
read it as lapsed, and the page lists it no more once the sweep has run. The page reads it as
the sweep will record it: gone from the list."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _offered(guest: User, other_guest: User, slot: Slot, *, hours_ago: int) -> WaitlistEntry:
    """`other_guest` waits for `slot`; `guest` cancels `hours_ago` hours ago: the offer was made
    then, for BOOKINGS_WAITLIST_OFFER_MINUTES (two hours)."""
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    then = timezone.now() - timedelta(hours=hours_ago)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=then)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=then)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=then)
    services.cancel_booking(guest=guest, reference=booking.reference, now=then)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    return entry


def test_an_offer_that_lapsed_unswept_is_no_longer_listed_as_waiting(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    _offered(guest, other_guest, slot, hours_ago=3)
    offer = Booking.objects.get(guest=other_guest)
    assert (offer.status, offer.shown_status) == (Booking.Status.HELD, Booking.Status.EXPIRED)
    client.force_login(other_guest)

    page = client.get("/bookings/").content.decode()
    api = client.get("/api/v1/waitlist").json()

    assert "Waiting lists you are on" not in page
    assert [item["status"] for item in api["items"]] == ["lapsed"]


def test_an_offer_still_open_is_listed_with_its_confirm_button(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    _offered(guest, other_guest, slot, hours_ago=1)
    client.force_login(other_guest)

    page = client.get("/bookings/").content.decode()

    assert "Waiting lists you are on" in page
    assert "Confirm the seats held for you" in page
