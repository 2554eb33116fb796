"""The guest's booking pages: book from the listing page, confirm, cancel with the refund shown
first, hand a booking on, the waiting list, "my bookings" and the calendar links. Personas come
from conftest.py: guest A (`guest`), guest B (`other_guest`), the listing's host."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.views import decode_cursor, encode_cursor
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def book_form(client: Client, slot: Slot) -> dict[str, str]:
    """What the listing page's booking form posts, with the token it was rendered with."""
    page = client.get(f"/things-to-do/{slot.listing_id}/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    return {"slot": str(slot.pk), "seats": "2", "form_token": token.group(1)}


def hold(guest: User, slot: Slot, seats: int = 2) -> Booking:
    return services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=timezone.now())


def confirmed(guest: User, slot: Slot, seats: int = 2) -> Booking:
    booking = hold(guest, slot, seats)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=timezone.now())


def text(response: Any) -> str:
    return str(response.content.decode())


def cancel_form(client: Client, booking: Booking) -> dict[str, str]:
    """What the cancel page's form posts: the refund it showed."""
    page = text(client.get(f"/bookings/{booking.reference}/cancel/"))
    shown = re.search(r'name="refund" value="([^"]*)"', page)
    assert shown is not None
    return {"refund": shown.group(1)}


# --- The listing page's booking form ---------------------------------------------------------


def test_the_listing_page_offers_a_signed_in_guest_a_booking_form_with_a_token(
    guest_client: Client, slot: Slot
) -> None:
    page = text(guest_client.get(f"/things-to-do/{slot.listing_id}/"))

    assert 'action="/bookings/new/"' in page
    assert f'name="slot" value="{slot.pk}"' in page
    assert re.search(r'name="form_token" value="[A-Za-z0-9_-]{16,}"', page)
    assert "Book a date" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_each_rendering_of_the_form_carries_a_new_token(guest_client: Client, slot: Slot) -> None:
    assert (
        book_form(guest_client, slot)["form_token"] != book_form(guest_client, slot)["form_token"]
    )


def test_a_listing_by_request_says_request_to_book(guest_client: Client, listing: Listing) -> None:
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    SlotFactory.create(listing=listing)

    page = text(guest_client.get(f"/things-to-do/{listing.pk}/"))

    assert "Request to book" in page
    assert "Book a date" not in page
    assert "accepts or declines each request within 24 hours" in page


def test_a_visitor_is_asked_to_log_in_and_the_host_is_told_it_is_theirs(
    client: Client, slot: Slot
) -> None:
    page = text(client.get(f"/things-to-do/{slot.listing_id}/"))
    assert "Log in to book" in page
    assert "form_token" not in page

    client.force_login(slot.listing.host.user)
    page = text(client.get(f"/things-to-do/{slot.listing_id}/"))
    assert "This is your listing" in page
    assert "form_token" not in page


def test_a_sold_out_date_offers_its_waiting_list(guest_client: Client, listing: Listing) -> None:
    full = SlotFactory.create(listing=listing, capacity=2)
    confirmed(UserFactory.create(), full, 2)

    page = text(guest_client.get(f"/things-to-do/{listing.pk}/"))

    assert 'action="/bookings/waitlist/"' in page
    assert f'<option value="{full.pk}">' in page
    assert f'name="slot" value="{full.pk}"' not in page  # not offered for booking


# --- Hold, then confirm ----------------------------------------------------------------------


def test_booking_holds_the_seats_and_shows_the_confirm_page_with_the_deadline(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    response = guest_client.post("/bookings/new/", book_form(guest_client, slot))

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/{booking.reference}/"
    assert (booking.guest, booking.seats, booking.status) == (guest, 2, Booking.Status.HELD)
    slot.refresh_from_db()
    assert slot.seats_taken == 2

    page = text(guest_client.get(response["Location"]))
    assert "Confirm your booking" in page
    assert "Your seats are held until" in page
    assert f'action="/bookings/{booking.reference}/confirm/"' in page


def test_a_double_click_books_once(guest_client: Client, slot: Slot) -> None:
    form = book_form(guest_client, slot)

    first = guest_client.post("/bookings/new/", form)
    second = guest_client.post("/bookings/new/", form)

    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    slot.refresh_from_db()
    assert slot.seats_taken == 2


def test_a_used_form_sent_again_for_another_date_says_what_happened(
    guest_client: Client, listing: Listing, slot: Slot
) -> None:
    form = book_form(guest_client, slot)
    first = guest_client.post("/bookings/new/", form)
    other = SlotFactory.create(listing=listing)

    again = guest_client.post("/bookings/new/", {**form, "slot": str(other.pk)})

    assert again["Location"] == first["Location"]
    assert Booking.objects.count() == 1
    assert "This form was already used" in text(guest_client.get(again["Location"]))


def test_the_listing_page_with_a_token_is_private_and_asked_for_again(
    guest_client: Client, slot: Slot
) -> None:
    """Kept only by the guest's browser, which asks again before any reuse but Back and Forward;
    those show the form with the token it was sent with, whatever cookies changed since."""
    response = guest_client.get(f"/things-to-do/{slot.listing_id}/")

    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Accept-Language"


def test_other_pages_of_a_signed_in_guest_still_vary_on_the_cookie(guest_client: Client) -> None:
    response = guest_client.get("/bookings/")

    assert response["Cache-Control"] == "private"
    assert "Cookie" in response["Vary"]


def test_booking_without_the_csrf_token_is_refused(guest: User, slot: Slot) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(guest)

    response = client.post("/bookings/new/", {"slot": slot.pk, "seats": 1, "form_token": "x" * 20})

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_booking_needs_a_login(client: Client, slot: Slot) -> None:
    response = client.post("/bookings/new/", {"slot": slot.pk, "seats": 1, "form_token": "abc"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("seats", "status", "message"),
    [
        ("7", 400, "From 1 to 6 seats."),
        ("0", 400, "Ensure this value is greater than or equal to 1."),
        ("two", 400, "Enter a whole number."),
    ],
)
def test_bad_seat_counts_are_form_errors_and_change_nothing(
    guest_client: Client, slot: Slot, seats: str, status: int, message: str
) -> None:
    response = guest_client.post(
        "/bookings/new/", {**book_form(guest_client, slot), "seats": seats}
    )

    assert response.status_code == status
    assert message in text(response)
    assert not Booking.objects.exists()
    slot.refresh_from_db()
    assert slot.seats_taken == 0


def test_a_full_date_says_so_and_offers_the_waiting_list(guest_client: Client, slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=3)
    confirmed(UserFactory.create(), slot, 2)

    response = guest_client.post("/bookings/new/", book_form(guest_client, slot))

    page = text(response)
    assert response.status_code == 409
    assert "Not enough seats are left on this date for 2." in page
    assert 'action="/bookings/waitlist/"' in page
    assert Booking.objects.count() == 1


def test_booking_a_started_date_or_an_unknown_one_is_refused(
    guest_client: Client, listing: Listing
) -> None:
    past = SlotFactory.create(listing=listing, starts_at=timezone.now() - timedelta(hours=1))
    form = book_form(guest_client, SlotFactory.create(listing=listing))

    started = guest_client.post("/bookings/new/", {**form, "slot": past.pk})
    unknown = guest_client.post("/bookings/new/", {**form, "slot": 999_999_999})

    assert started.status_code == 409
    assert "This date has started or was cancelled; pick another." in text(started)
    assert unknown.status_code == 404
    assert not Booking.objects.exists()


def test_a_host_cannot_book_their_own_listing(client: Client, slot: Slot) -> None:
    client.force_login(slot.listing.host.user)

    response = client.post("/bookings/new/", {"slot": slot.pk, "seats": 1, "form_token": "t" * 20})

    assert response.status_code == 400
    assert "You cannot book your own listing." in text(response)
    assert not Booking.objects.exists()


def test_the_booking_form_page_for_one_date(guest_client: Client, slot: Slot) -> None:
    page = guest_client.get(f"/bookings/new/?slot={slot.pk}")

    assert page.status_code == 200
    assert slot.listing.title in text(page)
    assert guest_client.get("/bookings/new/?slot=abc").status_code == 404
    assert guest_client.get("/bookings/new/?slot=999999999").status_code == 404
    assert guest_client.get(f"/bookings/new/?slot={10**30}").status_code == 404
    assert guest_client.get(f"/bookings/new/?slot={-(2**70)}").status_code == 404


def test_confirming_books_it_and_queues_the_confirmation_mail(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = hold(guest, slot)

    response = guest_client.post(f"/bookings/{booking.reference}/confirm/")

    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == Booking.Status.CONFIRMED
    relay.drain(queue="urgent", budget=5)  # the worker announces the confirmation
    mail = OutboxMessage.objects.get(kind="email.send", payload__template="booking_confirmed")
    assert mail.payload["to"] == guest.email
    page = text(guest_client.get(response["Location"]))
    assert "Booked. We sent the confirmation to your email address." in page
    assert "Add to your calendar" in page


def test_saying_yes_to_a_waiting_list_offer_of_a_listing_by_request_asks_the_host(
    guest_client: Client, guest: User, host: HostProfile
) -> None:
    listing = ListingFactory.create(host=host, instant_booking=False, max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=2)
    first = services.hold_seats(
        guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now()
    )
    services.accept_request(host=host, reference=first.reference, now=timezone.now())
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.cancel_booking(guest=first.guest, reference=first.reference, now=timezone.now())
    offer = Booking.objects.get(waitlist_entry=entry)
    offered = text(guest_client.get(f"/bookings/{offer.reference}/"))

    response = guest_client.post(f"/bookings/{offer.reference}/confirm/")

    offer.refresh_from_db()
    assert response.status_code == 302
    assert offer.status == Booking.Status.REQUESTED
    page = text(guest_client.get(response["Location"]))
    assert "Your request went to the host. We will email you the answer." in page
    assert "Booked." not in page
    # The offer's page said what its button does: it asks the host, it does not book.
    assert "Send the request" in offered
    assert "The host then accepts or declines" in offered
    assert "Confirm booking" not in offered


def test_a_request_waits_for_the_host(guest_client: Client, guest: User, listing: Listing) -> None:
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    slot = SlotFactory.create(listing=listing)

    response = guest_client.post("/bookings/new/", book_form(guest_client, slot))

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.REQUESTED
    page = text(guest_client.get(response["Location"]))
    assert "Waiting for the host" in page
    assert "Withdraw the request" in page
    confirm = guest_client.post(f"/bookings/{booking.reference}/confirm/")
    assert confirm.status_code == 409
    assert "The host has not answered your request yet." in text(confirm)


def test_another_guests_booking_is_not_found_on_every_route(
    client: Client, other_guest: User, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    client.force_login(other_guest)
    ref = booking.reference

    for path in (f"/bookings/{ref}/", f"/bookings/{ref}/calendar.ics", f"/bookings/{ref}/cancel/"):
        assert client.get(path).status_code == 404, path
    for path in (
        f"/bookings/{ref}/confirm/",
        f"/bookings/{ref}/cancel/",
        f"/bookings/{ref}/transfer/",
        f"/bookings/{ref}/transfer/withdraw/",
    ):
        assert client.post(path, {"to_email": "x@example.org"}).status_code == 404, path
    booking.refresh_from_db()
    assert (booking.guest, booking.status) == (guest, Booking.Status.CONFIRMED)
    assert not Transfer.objects.exists()


# --- The booking page, the calendar ----------------------------------------------------------


def test_the_booking_page_links_calendars_and_serves_the_ics(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)

    page = text(guest_client.get(f"/bookings/{booking.reference}/"))
    ics = guest_client.get(f"/bookings/{booking.reference}/calendar.ics")

    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    assert f'href="/bookings/{booking.reference}/calendar.ics"' in page
    assert ics.status_code == 200
    assert ics["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert f'filename="outings-{booking.reference}.ics"' in ics["Content-Disposition"]
    body = ics.content.decode()
    assert "BEGIN:VCALENDAR" in body
    assert f"UID:booking-{booking.reference}@outings" in body
    assert "DTSTART;TZID=America/Toronto:" in body


# --- Cancelling ------------------------------------------------------------------------------


def test_the_cancel_page_shows_the_refund_the_policy_gives_before_cancelling(
    guest_client: Client, guest: User, listing: Listing
) -> None:
    Listing.objects.filter(pk=listing.pk).update(cancellation_policy="moderate")
    soon = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(hours=48))
    booking = confirmed(guest, soon)  # 2 x CA$25.00; 48 h ahead: moderate gives back 50 %

    page = guest_client.get(f"/bookings/{booking.reference}/cancel/")

    assert "You get <strong>CA$25.00</strong> of CA$50.00 back." in text(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED  # showing it changes nothing

    response = guest_client.post(
        f"/bookings/{booking.reference}/cancel/", cancel_form(guest_client, booking)
    )

    booking.refresh_from_db()
    assert response.status_code == 302
    assert (booking.status, booking.refund_due) == (Booking.Status.CANCELLED, 2500)
    soon.refresh_from_db()
    assert soon.seats_taken == 0
    assert "You are due a refund of CA$25.00." in text(guest_client.get(response["Location"]))


def test_cancelling_twice_shows_why_and_changes_nothing(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    form = cancel_form(guest_client, booking)
    guest_client.post(f"/bookings/{booking.reference}/cancel/", form)

    again = guest_client.post(f"/bookings/{booking.reference}/cancel/", form, follow=True)

    # The booking's page, which shows how it ended and its refund (a double click's second
    # press: test_review_session21_cancel_again.py).
    assert again.redirect_chain == [(f"/bookings/{booking.reference}/", 302)]
    assert "This booking is already cancelled." in text(again)
    booking.refresh_from_db()
    assert booking.refund_due == 5000
    assert Booking.objects.get().version == booking.version


def test_the_cancel_page_of_a_started_date_says_it_can_no_longer_be_cancelled(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))

    page = text(guest_client.get(f"/bookings/{booking.reference}/cancel/"))
    refused = guest_client.post(f"/bookings/{booking.reference}/cancel/")

    assert "The date has started: this booking can no longer be cancelled." in page
    assert "It is too late for a refund" not in page
    assert "Yes, cancel it" not in page
    assert refused.status_code == 409
    assert "This date has already started." in text(refused)
    assert "Yes, cancel it" not in text(refused)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_releasing_a_hold_says_nothing_is_due(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = hold(guest, slot)

    page = text(guest_client.get(f"/bookings/{booking.reference}/cancel/"))

    assert "Nothing is due for it yet" in page


def test_a_refund_that_shrank_after_the_page_was_shown_is_not_recorded_silently(
    guest_client: Client, guest: User, listing: Listing
) -> None:
    """The page said 'You get CA$25.00 of CA$50.00 back'; the policy's 24-hour step passed
    before the guest pressed 'Yes, cancel it', and the booking was cancelled with nothing
    refunded and no word of it. Now the page refuses, shows the new refund and asks again."""
    Listing.objects.filter(pk=listing.pk).update(cancellation_policy="moderate")
    soon = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(hours=48))
    booking = confirmed(guest, soon)  # 2 x CA$25.00; 48 h ahead: moderate gives back 50 %
    shown = cancel_form(guest_client, booking)
    assert shown == {"refund": "2500"}
    # Time passes: the start is now less than 24 hours away, where moderate gives nothing.
    Slot.objects.filter(pk=soon.pk).update(starts_at=timezone.now() + timedelta(hours=23))

    refused = guest_client.post(f"/bookings/{booking.reference}/cancel/", shown)

    assert refused.status_code == 409
    assert "What cancelling gives back has changed since the page was shown" in text(refused)
    assert "It is too late for a refund: you get nothing of CA$50.00 back." in text(refused)
    assert 'name="refund" value="0"' in text(refused)
    booking.refresh_from_db()
    assert (booking.status, booking.refund_due) == (Booking.Status.CONFIRMED, None)

    agreed = guest_client.post(f"/bookings/{booking.reference}/cancel/", {"refund": "0"})

    assert agreed.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.refund_due) == (Booking.Status.CANCELLED, 0)


def test_a_request_the_host_accepted_meanwhile_is_not_withdrawn_as_if_nothing_was_due(
    guest_client: Client, guest: User, host: HostProfile, listing: Listing
) -> None:
    """'Withdraw your request? Nothing is due for it yet': the host accepted it before the
    guest pressed the button, and a confirmed booking was cancelled under the strict policy
    with nothing back."""
    Listing.objects.filter(pk=listing.pk).update(
        instant_booking=False, cancellation_policy="strict"
    )
    soon = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(hours=48))
    booking = hold(guest, soon)
    shown = cancel_form(guest_client, booking)
    assert shown == {"refund": ""}  # nothing due
    services.accept_request(host=host, reference=booking.reference, now=timezone.now())

    refused = guest_client.post(f"/bookings/{booking.reference}/cancel/", shown)

    assert refused.status_code == 409
    assert "It is too late for a refund" in text(refused)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_a_cancel_without_the_refund_shown_releases_a_hold_but_asks_again_for_a_paid_booking(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    """A form without the refund (a page from before it carried one) reads as 'nothing due'."""
    held, paid = hold(guest, slot), confirmed(guest, slot)

    released = guest_client.post(f"/bookings/{held.reference}/cancel/")
    asked = guest_client.post(f"/bookings/{paid.reference}/cancel/", {"refund": "many"})

    assert (released.status_code, asked.status_code) == (302, 409)
    assert "You get everything back: <strong>CA$50.00</strong>." in text(asked)
    held.refresh_from_db()
    paid.refresh_from_db()
    assert (held.status, paid.status) == (Booking.Status.CANCELLED, Booking.Status.CONFIRMED)


# --- Handing a booking on --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("not an address", "Enter a valid email address."),
        ("guest.a@example.org", "The booking is already yours."),
    ],
)
def test_a_bad_transfer_address_is_a_form_error(
    guest_client: Client, guest: User, slot: Slot, address: str, message: str
) -> None:
    booking = confirmed(guest, slot)

    response = guest_client.post(f"/bookings/{booking.reference}/transfer/", {"to_email": address})

    assert response.status_code == 400
    assert message in text(response)
    assert not Transfer.objects.exists()


def test_a_booking_is_handed_on_by_email_and_accepted_by_the_named_address(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    client.force_login(guest)

    response = client.post(
        f"/bookings/{booking.reference}/transfer/", {"to_email": "Guest.B@example.org"}
    )

    assert response.status_code == 302
    mail = OutboxMessage.objects.get(kind="email.send", payload__template="booking_transfer")
    accept_url = str(mail.payload["context"]["accept_url"])
    path = "/" + accept_url.split("/", 3)[3]
    assert re.fullmatch(r"/bookings/transfer/[A-Za-z0-9_-]{32}/", path)
    assert "Offered to Guest.B@example.org" in text(client.get(f"/bookings/{booking.reference}/"))

    # Only the person logged in with that address may take it.
    client.force_login(UserFactory.create(email="someone.else@example.org"))
    refused, shown = client.post(path), client.get(path)
    assert (refused.status_code, shown.status_code) == (404, 404)  # not theirs: nothing shown
    assert "This transfer was sent to another email address" in text(refused)
    assert booking.listing.title not in text(shown)
    booking.refresh_from_db()
    assert booking.guest == guest

    client.logout()
    assert client.get(path)["Location"].startswith("/accounts/login/")

    client.force_login(other_guest)
    assert "Accept the booking" in text(client.get(path))
    accepted = client.post(path)

    booking.refresh_from_db()
    assert accepted["Location"] == f"/bookings/{booking.reference}/"
    assert booking.guest == other_guest
    # Used: it now leads its taker to the booking (test_review_session21_transfer_again.py).
    assert client.get(path)["Location"] == f"/bookings/{booking.reference}/"
    client.force_login(guest)
    assert client.get(f"/bookings/{booking.reference}/").status_code == 404


def test_a_transfer_offer_can_be_withdrawn(guest_client: Client, guest: User, slot: Slot) -> None:
    booking = confirmed(guest, slot)
    guest_client.post(f"/bookings/{booking.reference}/transfer/", {"to_email": "b@example.org"})

    guest_client.post(f"/bookings/{booking.reference}/transfer/withdraw/")

    assert Transfer.objects.get().status == Transfer.Status.WITHDRAWN


def test_an_unknown_transfer_link_says_so(guest_client: Client) -> None:
    response = guest_client.get("/bookings/transfer/not-a-real-secret/")

    assert response.status_code == 404
    assert "This transfer link is not valid" in text(response)


# --- Waiting lists ---------------------------------------------------------------------------


def test_joining_and_leaving_the_waiting_list_of_a_full_date(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    confirmed(UserFactory.create(), slot, 2)

    joined = guest_client.post("/bookings/waitlist/", {"slot": slot.pk, "seats": 2})

    entry = WaitlistEntry.objects.get()
    assert joined["Location"] == "/bookings/"
    assert (entry.guest, entry.seats, entry.status) == (guest, 2, WaitlistEntry.Status.WAITING)
    page = text(guest_client.get("/bookings/"))
    assert "Waiting lists you are on" in page

    left = guest_client.post(f"/bookings/waitlist/{entry.pk}/leave/")

    entry.refresh_from_db()
    assert left.status_code == 302
    assert entry.status == WaitlistEntry.Status.LEFT


def test_waiting_for_seats_that_are_free_offers_to_book_them(
    guest_client: Client, slot: Slot
) -> None:
    response = guest_client.post("/bookings/waitlist/", {"slot": slot.pk, "seats": 2})

    page = text(response)
    assert response.status_code == 409
    assert "Enough seats are free: book them instead of waiting." in page
    assert 'action="/bookings/new/"' in page
    assert not WaitlistEntry.objects.exists()


def test_leaving_someone_elses_waiting_list_entry_is_not_found(
    guest_client: Client, other_guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    confirmed(UserFactory.create(), slot, 2)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=1, now=timezone.now())

    assert guest_client.post(f"/bookings/waitlist/{entry.pk}/leave/").status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


# --- My bookings -----------------------------------------------------------------------------


def test_my_bookings_lists_upcoming_and_past_apart(
    guest_client: Client, guest: User, other_guest: User, listing: Listing
) -> None:
    coming = confirmed(guest, SlotFactory.create(listing=listing))
    cancelled = confirmed(guest, SlotFactory.create(listing=listing))
    services.cancel_booking(guest=guest, reference=cancelled.reference, now=timezone.now())
    theirs = confirmed(other_guest, SlotFactory.create(listing=listing))

    upcoming = text(guest_client.get("/bookings/"))
    past = text(guest_client.get("/bookings/?show=past"))

    assert coming.reference in upcoming
    assert cancelled.reference not in upcoming
    assert cancelled.reference in past
    assert coming.reference not in past
    assert theirs.reference not in upcoming + past


def test_my_bookings_pages_through_every_booking_once_in_a_bounded_number_of_queries(
    guest_client: Client,
    guest: User,
    settings: Any,
    django_assert_max_num_queries: Any,
) -> None:
    settings.PAGE_SIZE = 3
    listings = ListingFactory.create_batch(4)
    made = {
        confirmed(guest, SlotFactory.create(listing=listing)).reference
        for listing in listings
        for _ in range(2)
    }

    seen: list[str] = []
    path = "/bookings/"
    while path:
        # session, user, notification bell, bookings, waiting lists: whatever the page holds
        with django_assert_max_num_queries(6):
            response = guest_client.get(path)
        page = text(response)
        seen += re.findall(r'href="/bookings/([A-Z0-9]{10})/"', page)
        more = re.search(r'rel="next" href="([^"]+)"', page)
        path = "/bookings/" + more.group(1).replace("&amp;", "&") if more else ""

    assert sorted(seen) == sorted(made)


def test_a_broken_page_link_is_a_friendly_400(guest_client: Client) -> None:
    for token in ("nope", "bm9wZQ", "x" * 100, "MTox"):  # MTox: "1:1" is fine
        response = guest_client.get(f"/bookings/?after={token}")
        assert response.status_code == (200 if token == "MTox" else 400), token
    assert "This page link is not valid" in text(guest_client.get("/bookings/?after=nope"))


def test_page_tokens_round_trip(guest: User, slot: Slot) -> None:
    booking = hold(guest, slot)

    assert decode_cursor(encode_cursor(booking)) == (slot.starts_at, booking.pk)


def test_my_bookings_needs_a_login(client: Client) -> None:
    assert client.get("/bookings/")["Location"].startswith("/accounts/login/")


# --- German ----------------------------------------------------------------------------------


def test_refusals_read_in_german(guest_client: Client, slot: Slot) -> None:
    guest_client.cookies["django_language"] = "de"
    Slot.objects.filter(pk=slot.pk).update(capacity=3)
    confirmed(UserFactory.create(), slot, 2)

    full = guest_client.post("/bookings/new/", book_form(guest_client, slot))
    waiting = guest_client.post("/bookings/waitlist/", {"slot": slot.pk, "seats": 1})

    assert "An diesem Termin sind nicht mehr genug Plätze für 2 frei." in text(full)
    assert "Warteliste" in text(full)
    assert "Es sind genug Plätze frei" in text(waiting)  # the class's default message
