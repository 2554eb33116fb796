"""Review (session 23): a button on a guest's booking page pressed after the session ended (a
tab left open overnight, signed out in another tab) sent the guest to sign in with `next` set
to the button's address, and signing in went on there with a GET: "Book" on a listing's page
landed on a 404 (/bookings/new/ takes no GET without ?slot=), "Confirm", "Hand it on",
"Withdraw the offer", "Join the waiting list" and "Leave" on a 405, an empty page. Signing in
now leads back to the page the button was on (the request's Referer, when it is this site's),
where the guest presses again; nothing was done. Personas: Ada (guest A), signed out;
another guest."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def ada(guest: User) -> User:
    """Guest A, who signs in through allauth's form with a password and a verified address."""
    guest.set_password(PASSWORD)
    guest.save(update_fields=["password"])
    EmailAddress.objects.create(user=guest, email=guest.email, verified=True, primary=True)
    return guest


def _press_signed_out_then_sign_in(
    path: str, user: User, *, page: str, data: dict[str, Any] | None = None
) -> Any:
    """POST `path` from `page` without a session, sign in where it sends us, follow to the end."""
    client = Client()
    asked = client.post(path, data or {}, HTTP_REFERER=f"http://testserver{page}")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/?next=")
    return client.post(asked["Location"], {"login": user.email, "password": PASSWORD}, follow=True)


def _held(guest: User, slot: Slot) -> Booking:
    return services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())


def _confirmed(guest: User, slot: Slot) -> Booking:
    held = _held(guest, slot)
    return services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def test_book_on_a_listing_page_leads_back_to_it_and_books_nothing(ada, slot):
    page = f"/things-to-do/{slot.listing_id}/"

    response = _press_signed_out_then_sign_in(
        "/bookings/new/",
        ada,
        page=page,
        data={"slot": slot.pk, "seats": 2, "form_token": "t" * 22},
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (page, 302)
    assert 'action="/bookings/new/"' in response.content.decode()
    assert not Booking.objects.exists()
    slot.refresh_from_db()
    assert slot.seats_taken == 0


def test_confirm_leads_back_to_the_booking_and_confirms_nothing(ada, slot):
    held = _held(ada, slot)
    page = f"/bookings/{held.reference}/"

    response = _press_signed_out_then_sign_in(f"{page}confirm/", ada, page=page)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (page, 302)
    assert Booking.objects.get(pk=held.pk).status == Booking.Status.HELD


def test_handing_on_and_withdrawing_lead_back_to_the_booking_and_change_nothing(ada, slot):
    booking = _confirmed(ada, slot)
    page = f"/bookings/{booking.reference}/"

    offered = _press_signed_out_then_sign_in(
        f"{page}transfer/", ada, page=page, data={"to_email": "friend@example.org"}
    )

    assert offered.status_code == 200
    assert offered.redirect_chain[-1] == (page, 302)
    assert not Transfer.objects.exists()

    services.offer_transfer(
        guest=ada, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )
    withdrawn = _press_signed_out_then_sign_in(f"{page}transfer/withdraw/", ada, page=page)

    assert withdrawn.status_code == 200
    assert withdrawn.redirect_chain[-1] == (page, 302)
    assert Transfer.objects.get().status == Transfer.Status.PENDING


def test_joining_and_leaving_a_waiting_list_lead_back_and_change_nothing(ada, slot):
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    _confirmed(UserFactory.create(), slot)
    page = f"/things-to-do/{slot.listing_id}/"

    joined = _press_signed_out_then_sign_in(
        "/bookings/waitlist/", ada, page=page, data={"slot": slot.pk, "seats": 1}
    )

    assert joined.status_code == 200
    assert joined.redirect_chain[-1] == (page, 302)
    assert not WaitlistEntry.objects.exists()

    entry = services.join_waitlist(guest=ada, slot_id=slot.pk, seats=1, now=timezone.now())
    left = _press_signed_out_then_sign_in(
        f"/bookings/waitlist/{entry.pk}/leave/", ada, page="/bookings/"
    )

    assert left.status_code == 200
    assert left.redirect_chain[-1] == ("/bookings/", 302)
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.WAITING


def test_another_site_as_referer_is_not_where_signing_in_leads(ada, slot):
    """Only this site's pages are returned to: another site's address is no `next`. It is
    ignored as no Referer is: the booking's page, where "Confirm" is (the button's own address
    until session 24, test_review_session24_signed_out_no_referer.py)."""
    held = _held(ada, slot)
    client = Client()

    asked = client.post(
        f"/bookings/{held.reference}/confirm/", HTTP_REFERER="https://elsewhere.example/page/"
    )

    assert asked.status_code == 302
    assert "elsewhere" not in asked["Location"]
    assert asked["Location"] == f"/accounts/login/?next=/bookings/{held.reference}/"


def test_another_guests_booking_page_is_still_not_found_after_signing_in(ada, slot):
    theirs = _held(UserFactory.create(), slot)
    page = f"/bookings/{theirs.reference}/"

    response = _press_signed_out_then_sign_in(f"{page}confirm/", ada, page=page)

    assert response.status_code == 404
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.HELD
