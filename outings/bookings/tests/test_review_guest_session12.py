"""Review of the guest's side of booking, as a guest uses it end to end (session 12): each test
names what a guest saw go wrong and why. Personas come from conftest.py: guest A (`guest`),
guest B (`other_guest`), the listing's host (`host`)."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, Transfer
from outings.catalog.models import Listing
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def hold(guest: User, slot: Slot, seats: int = 2) -> Booking:
    return services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=timezone.now())


def lapse_unswept(booking: Booking) -> None:
    """Its time ran out a minute ago and the sweep has not got to it yet."""
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


# --- A hold or request whose time ran out ------------------------------------------------------


def test_a_hold_whose_time_ran_out_reads_as_expired_before_the_sweep_ends_it(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    """Every read counts a lapsed hold's seats as free from expires_at (docs/bookings.md), and
    the listing page offers them to others; but the guest's own booking page still said
    'Held', 'Your seats are held until 12:00 (0 minutes left)' and offered 'Release the seats',
    and "my bookings" listed it as held among the past ones, until the sweep ran."""
    booking = hold(guest, slot)
    lapse_unswept(booking)

    page = text(guest_client.get(f"/bookings/{booking.reference}/"))
    past = text(guest_client.get("/bookings/?show=past"))

    assert 'id="booking-status">Expired<' in page
    assert "Your hold ran out. Confirm now and you get the seats if they are still free." in page
    assert "Your seats are held until" not in page
    assert "Release the seats" not in page
    assert "booking-row--expired" in past
    assert "booking-row--held" not in past


def test_a_lapsed_hold_offers_no_cancel_that_would_count_as_the_guests_cancellation(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    """The cancel page of a lapsed hold asked 'Cancel this booking?' and the service recorded
    a cancellation by the guest, of a hold that had already expired (and that the API showed as
    expired): it is expired, as the sweep will record it."""
    booking = hold(guest, slot)
    lapse_unswept(booking)

    page = text(guest_client.get(f"/bookings/{booking.reference}/cancel/"))
    refused = guest_client.post(f"/bookings/{booking.reference}/cancel/", follow=True)

    assert "This booking can no longer be cancelled (Expired)." in page
    assert "Yes, cancel it" not in page
    # Refused on the booking's page, which shows it expired (session 21: a booking that ended
    # is shown there, not on the cancel page).
    assert refused.redirect_chain == [(f"/bookings/{booking.reference}/", 302)]
    assert "This booking is already expired." in text(refused)
    assert 'id="booking-status">Expired<' in text(refused)
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (Booking.Status.HELD, "")


def test_a_request_the_host_left_unanswered_reads_as_declined_before_the_sweep(
    guest_client: Client, guest: User, listing: Listing, slot: Slot
) -> None:
    """'The host answers your request by <a time already past>' and 'Withdraw the request' on a
    request that lapsed: it is declined (docs/bookings.md: 24 h pass)."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    booking = hold(guest, slot)
    lapse_unswept(booking)

    page = text(guest_client.get(f"/bookings/{booking.reference}/"))

    assert 'id="booking-status">Declined<' in page
    assert "The host answers your request by" not in page
    assert "Withdraw the request" not in page


# --- Handing a booking on ----------------------------------------------------------------------


def confirmed(guest: User, slot: Slot, seats: int = 2) -> Booking:
    held = hold(guest, slot, seats)
    return services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def transfer_links() -> list[str]:
    """The paths of the transfer links mailed so far, oldest first."""
    mails = OutboxMessage.objects.filter(
        kind="email.send", payload__template="booking_transfer"
    ).order_by("id")
    return ["/" + str(m.payload["context"]["accept_url"]).split("/", 3)[3] for m in mails]


def test_offering_a_booking_twice_to_the_same_address_keeps_the_first_link_working(
    guest_client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    """A double click on 'Send the offer' (or sending it again) withdrew the first offer and
    mailed a second link: the recipient got two mails and the first link they opened said
    'This transfer link is not valid'. The offer to that address is still pending: it stands,
    and no second mail goes."""
    booking = confirmed(guest, slot)
    for _ in range(2):
        sent = guest_client.post(
            f"/bookings/{booking.reference}/transfer/", {"to_email": other_guest.email}
        )
        assert sent.status_code == 302

    links = transfer_links()
    guest_client.force_login(other_guest)
    page = guest_client.get(links[0])

    assert len(links) == 1
    assert Transfer.objects.get().status == Transfer.Status.PENDING
    assert page.status_code == 200
    assert "Accept the booking" in text(page)


def test_a_transfer_link_of_a_date_that_has_started_offers_no_accept_button(
    guest_client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    """The link's page offered 'Accept the booking' for a date already under way; pressing it
    answered 'This date has already started.' The page says so at once."""
    booking = confirmed(guest, slot)
    guest_client.post(f"/bookings/{booking.reference}/transfer/", {"to_email": other_guest.email})
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    guest_client.force_login(other_guest)

    page = guest_client.get(transfer_links()[0])

    assert page.status_code == 409
    assert "This date has already started." in text(page)
    assert "Accept the booking" not in text(page)


# --- The booking form of one date --------------------------------------------------------------


@pytest.mark.parametrize("gone", ["cancelled", "started"])
def test_the_booking_form_of_a_date_nobody_can_book_says_why_and_offers_no_book_button(
    guest_client: Client, listing: Listing, slot: Slot, gone: str
) -> None:
    """/bookings/new/?slot= of a cancelled date, or one under way, showed the form with its
    'Book' button (and so did the page after the service refused it): every press answered
    'This date has started or was cancelled; pick another.' The page says it at once."""
    if gone == "cancelled":
        Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    else:
        Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))

    page = guest_client.get(f"/bookings/new/?slot={slot.pk}")
    refused = guest_client.post(
        "/bookings/new/", {"slot": slot.pk, "seats": 2, "form_token": "a-token"}
    )

    for response in (page, refused):
        assert response.status_code == 409
        assert "This date has started or was cancelled; pick another." in text(response)
        assert 'id="book-form"' not in text(response)
        assert "Back to the listing" in text(response)
    assert not Booking.objects.exists()


def test_the_booking_form_of_one_date_starts_at_the_smallest_group_the_listing_takes(
    guest_client: Client, listing: Listing, slot: Slot
) -> None:
    """It offered 1 guest (from 1 to 50) on a listing for groups of 3 to 6, so the first press
    was refused: it starts at 3 and goes up to 6, as the listing page's form does."""
    Listing.objects.filter(pk=listing.pk).update(min_group_size=3, max_group_size=6)

    page = text(guest_client.get(f"/bookings/new/?slot={slot.pk}"))

    seats = re.search(r'<input type="number" name="seats"[^>]*>', page)
    assert seats is not None
    assert 'value="3"' in seats.group(0)
    assert 'min="3"' in seats.group(0)
    assert 'max="6"' in seats.group(0)


# --- The waiting list in "my bookings" ---------------------------------------------------------


def test_an_offer_from_the_waiting_list_can_be_taken_from_my_bookings(
    guest_client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    """The waiting list's row read 'Offered' with only 'Leave the waiting list' next to it:
    nothing said where the seats were or until when, and the one button there turned the offer
    down. The row links to the offer, to confirm it, with its deadline."""
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    taken = confirmed(other_guest, slot)
    services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.cancel_booking(guest=other_guest, reference=taken.reference, now=timezone.now())
    offer = Booking.objects.get(guest=guest)

    page = text(guest_client.get("/bookings/"))
    waiting = page[page.index('id="waiting-heading"') : page.index("</section>")]

    assert f'href="/bookings/{offer.reference}/"' in waiting
    assert "Confirm the seats held for you" in waiting
    assert "until" in waiting
