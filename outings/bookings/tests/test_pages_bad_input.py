"""Booking pages with paths that are no booking: a reference or transfer secret out of its
alphabet (a NUL would reach PostgreSQL as a DataError) is a 404; a huge id is no 500."""

import pytest
from django.test import Client

from outings.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(guest: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(guest)
    return client


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "cancel/"),
        ("get", "calendar.ics"),
        ("post", "confirm/"),
        ("post", "cancel/"),
        ("post", "transfer/withdraw/"),
    ],
)
def test_a_reference_with_a_nul_is_a_404(browser, method, suffix):
    response = getattr(browser, method)(f"/bookings/ABCDEFGHJK%00/{suffix}")

    assert response.status_code == 404


def test_a_host_page_of_a_reference_with_a_nul_is_a_404(host):
    client = Client(raise_request_exception=False)
    client.force_login(host.user)

    assert client.get("/host/bookings/ABCDEFGHJK%00/").status_code == 404
    assert client.post("/host/bookings/ABCDEFGHJK%00/", {"action": "accept"}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/bookings/new/?slot=99999999999999999999999"),
        ("post", "/bookings/waitlist/99999999999999999999999/leave/"),
        ("get", "/bookings/transfer/short%00secret/"),
    ],
)
def test_ids_beyond_any_integer_and_odd_secrets_are_no_500(browser, method, path):
    assert getattr(browser, method)(path).status_code in (302, 400, 404, 405)
