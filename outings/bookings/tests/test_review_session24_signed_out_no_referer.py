"""Review (session 24): a button on a guest's booking page pressed after the session ended sends
the guest to sign in and back to the page the button was on, read from the request's Referer
(session 23). A browser that sends no Referer (a privacy setting or extension, a page opened
from a file or another app) still had `next` set to the button's own address, which signing in
opened with a GET: "Book" landed on a 404, "Confirm", "Hand it on", "Withdraw the offer", "Join
the waiting list" and "Leave" on a 405, an empty page. Signing in now leads, without a Referer,
to the page that has the button: the booking's page, the booking form of the date, "My
bookings"; nothing was done. Personas: Ada (guest A), signed out; another guest."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.tests import test_review_session23_signed_out_buttons as with_referer
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

# Ada, and the bookings she makes, as the tests of the Referer have them.
ada, PASSWORD = with_referer.ada, with_referer.PASSWORD
_held, _confirmed = with_referer._held, with_referer._confirmed


def _press_signed_out_without_referer_then_sign_in(
    path: str, user: User, *, data: dict[str, Any] | None = None
) -> Any:
    """POST `path` without a session and without a Referer, sign in where it sends us, and
    follow to the end."""
    client = Client()
    asked = client.post(path, data or {})
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/?next=")
    return client.post(asked["Location"], {"login": user.email, "password": PASSWORD}, follow=True)


def test_book_leads_to_the_dates_booking_form_and_books_nothing(ada, slot):
    response = _press_signed_out_without_referer_then_sign_in(
        "/bookings/new/", ada, data={"slot": slot.pk, "seats": 2, "form_token": "t" * 22}
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (f"/bookings/new/?slot={slot.pk}", 302)
    assert 'id="book-form"' in response.content.decode()
    assert not Booking.objects.exists()
    slot.refresh_from_db()
    assert slot.seats_taken == 0


def test_book_with_no_readable_date_leads_to_the_things_to_do(ada, slot):
    response = _press_signed_out_without_referer_then_sign_in(
        "/bookings/new/", ada, data={"slot": "x", "seats": 2}
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1] == ("/things-to-do/", 302)
    assert not Booking.objects.exists()


def test_confirm_leads_to_the_booking_and_confirms_nothing(ada, slot):
    held = _held(ada, slot)
    page = f"/bookings/{held.reference}/"

    response = _press_signed_out_without_referer_then_sign_in(f"{page}confirm/", ada)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (page, 302)
    assert Booking.objects.get(pk=held.pk).status == Booking.Status.HELD


def test_handing_on_and_withdrawing_lead_to_the_booking_and_change_nothing(ada, slot):
    booking = _confirmed(ada, slot)
    page = f"/bookings/{booking.reference}/"

    offered = _press_signed_out_without_referer_then_sign_in(
        f"{page}transfer/", ada, data={"to_email": "friend@example.org"}
    )

    assert offered.status_code == 200
    assert offered.redirect_chain[-1] == (page, 302)
    assert not Transfer.objects.exists()

    services.offer_transfer(
        guest=ada, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )
    withdrawn = _press_signed_out_without_referer_then_sign_in(f"{page}transfer/withdraw/", ada)

    assert withdrawn.status_code == 200
    assert withdrawn.redirect_chain[-1] == (page, 302)
    assert Transfer.objects.get().status == Transfer.Status.PENDING


def test_joining_and_leaving_a_waiting_list_lead_to_their_pages_and_change_nothing(ada, slot):
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    _confirmed(UserFactory.create(), slot)

    joined = _press_signed_out_without_referer_then_sign_in(
        "/bookings/waitlist/", ada, data={"slot": slot.pk, "seats": 1}
    )

    assert joined.status_code == 200
    assert joined.redirect_chain[-1] == (f"/bookings/new/?slot={slot.pk}", 302)
    assert not WaitlistEntry.objects.exists()

    entry = services.join_waitlist(guest=ada, slot_id=slot.pk, seats=1, now=timezone.now())
    left = _press_signed_out_without_referer_then_sign_in(
        f"/bookings/waitlist/{entry.pk}/leave/", ada
    )

    assert left.status_code == 200
    assert left.redirect_chain[-1] == ("/bookings/", 302)
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.WAITING


def test_a_referer_of_this_site_still_wins(ada, slot):
    """The control: with a Referer, signing in leads back to the page the button was on."""
    held = _held(ada, slot)
    client = Client()

    asked = client.post(
        f"/bookings/{held.reference}/confirm/", HTTP_REFERER="http://testserver/bookings/"
    )

    assert asked["Location"] == "/accounts/login/?next=/bookings/"


def test_another_guests_booking_is_still_not_found_after_signing_in(ada, slot):
    theirs = _held(UserFactory.create(), slot)

    response = _press_signed_out_without_referer_then_sign_in(
        f"/bookings/{theirs.reference}/confirm/", ada
    )

    assert response.status_code == 404
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.HELD
