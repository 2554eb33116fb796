"""Review (session 23): a booking form sent with hidden fields the guest can neither see nor
mend (no one-time token: a page kept from before tokens, an edited post; a date that is no
number) was answered 400 with the form as it came, its errors on hidden fields that the page
does not show: a page headed "Book" with nothing else, or the form again with no word, whose
every press came back the same. It now says that the form could not be read and nothing was
booked, and the form it shows again carries a new token, so that pressing "Book" books once."""

import re
from typing import Any

import pytest
from django.test import Client

from outings.bookings.models import Booking
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

UNREADABLE = "We could not read this form, so nothing was booked."


def _main(response: Any) -> str:
    return str(response.content.decode().split("<main", 1)[1].split("</main>", 1)[0])


def test_a_form_without_its_token_says_so_and_books_once_when_sent_again(
    guest_client: Client, slot: Slot
) -> None:
    refused = guest_client.post("/bookings/new/", {"slot": slot.pk, "seats": 2})

    assert refused.status_code == 400
    page = _main(refused)
    assert UNREADABLE in page
    assert not Booking.objects.exists()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    again = {"slot": slot.pk, "seats": 2, "form_token": token.group(1)}
    first = guest_client.post("/bookings/new/", again)
    second = guest_client.post("/bookings/new/", again)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("slot_value", ["abc", None], ids=["not-a-number", "missing"])
def test_a_form_without_a_readable_date_says_so_in_german_too(
    guest_client: Client, slot: Slot, slot_value: str | None
) -> None:
    data = {"seats": "2", "form_token": "t" * 22}
    if slot_value is not None:
        data["slot"] = slot_value
    guest_client.cookies["django_language"] = "de"

    refused = guest_client.post("/bookings/new/", data)

    assert refused.status_code == 400
    assert "Wir konnten dieses Formular nicht lesen, daher wurde nichts gebucht." in _main(refused)
    assert not Booking.objects.exists()


def test_a_wrong_number_of_guests_is_said_on_its_box_alone(
    guest_client: Client, slot: Slot
) -> None:
    """The control: a box the guest sees carries its own message, as before."""
    refused = guest_client.post(
        "/bookings/new/", {"slot": slot.pk, "seats": 0, "form_token": "t" * 22}
    )

    page = _main(refused)
    assert refused.status_code == 400
    assert UNREADABLE not in page
    assert "Ensure this value is greater than or equal to 1." in page
