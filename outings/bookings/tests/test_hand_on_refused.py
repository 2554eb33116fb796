"""Handing a booking on from a page opened before the booking changed in another tab (cancelled,
or its date began): the refusal answers with the booking page as it is now, which has no "Hand
it on" form any more, so the refusal is said at the top of the page, not on a form that is not
there."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, Transfer
from outings.bookings.tests.test_views import cancel_form, confirmed, text
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def refusal(response_text: str) -> str:
    """The text of the page's alert (the booking page shows one refusal at its top), or ""."""
    start = response_text.find('role="alert"')
    return "" if start < 0 else response_text[start : response_text.index("</p>", start)]


def test_handing_on_a_booking_cancelled_in_another_tab_says_why_it_was_refused(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    guest_client.post(f"/bookings/{booking.reference}/cancel/", cancel_form(guest_client, booking))

    response = guest_client.post(
        f"/bookings/{booking.reference}/transfer/", {"to_email": "friend@example.org"}
    )

    assert response.status_code == 409
    assert "Only a confirmed booking can be handed on." in refusal(text(response))
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    assert not Transfer.objects.exists()


def test_handing_on_a_booking_whose_date_began_meanwhile_says_why_it_was_refused(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    started = timezone.now() - timedelta(minutes=5)
    Slot.objects.filter(pk=slot.pk).update(starts_at=started, ends_at=started + timedelta(hours=2))

    response = guest_client.post(
        f"/bookings/{booking.reference}/transfer/", {"to_email": "friend@example.org"}
    )

    assert response.status_code == 409
    assert "This date has already started." in refusal(text(response))
    assert not Transfer.objects.exists()


def test_a_bad_address_for_a_cancelled_booking_is_said_too(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    booking = confirmed(guest, slot)
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    response = guest_client.post(
        f"/bookings/{booking.reference}/transfer/", {"to_email": "not an address"}
    )

    assert response.status_code == 400
    assert "Enter a valid email address." in refusal(text(response))
    assert not Transfer.objects.exists()
