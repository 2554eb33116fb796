"""Review (session 19): where the language menu returns to (its `next`) on the answer to a form
sent. A refused booking is shown at /bookings/new/, which answers a GET only with `?slot=`: the
menu there sent the guest to a 404 page. It now returns to the page the form was sent from (the
request's Referer, when it is this site's), else to the home page."""

import re

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest(db: None) -> User:
    user: User = UserFactory.create()
    return user


def menu_next(response) -> str:
    found = re.search(
        r'<input type="hidden" name="next" value="([^"]*)">', response.content.decode()
    )
    assert found is not None
    return found.group(1)


def refused_booking(client: Client, guest: User, **headers: str):
    slot = SlotFactory.create(listing=ListingFactory.create(), capacity=4)
    Slot.objects.filter(pk=slot.pk).update(seats_taken=4)
    client.force_login(guest)
    response = client.post(
        "/bookings/new/", {"slot": slot.pk, "seats": 1, "form_token": "a" * 32}, headers=headers
    )
    assert response.status_code == 409
    return response


def test_it_returns_to_the_listing_the_refused_booking_was_sent_from(client, guest):
    referer = "http://testserver/things-to-do/12/?from=card"

    response = refused_booking(client, guest, Referer=referer)

    assert menu_next(response) == "/things-to-do/12/?from=card"
    assert "data-return-here" not in response.content.decode()


@pytest.mark.parametrize(
    "referer", [None, "https://evil.example/things-to-do/12/", "//evil.example/"]
)
def test_it_returns_home_without_a_referer_of_this_site(client, guest, referer):
    headers = {} if referer is None else {"Referer": referer}

    response = refused_booking(client, guest, **headers)

    assert menu_next(response) == "/"


def test_a_page_shown_by_a_get_still_returns_to_itself(client, guest):
    client.force_login(guest)

    response = client.get("/bookings/?show=past", headers={"Referer": "http://testserver/"})

    assert menu_next(response) == "/bookings/?show=past"
    assert "data-return-here" in response.content.decode()
