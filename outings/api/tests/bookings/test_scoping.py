"""404-scoping: a guest never reaches another guest's booking, entry or transfer; a host only
sees bookings on their own listings."""

import pytest

from outings.api.tests.bookings.support import (
    JSON,
    booked,
    client_of,
    confirmed,
    post,
    state,
    transfer_secret,
)
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    ListingFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- 404-scoping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/bookings/{ref}", None),
        ("post", "/bookings/{ref}/confirm", None),
        ("post", "/bookings/{ref}/cancel", None),
        ("post", "/bookings/{ref}/transfer", {"to_email": "friend@example.org"}),
        ("delete", "/bookings/{ref}/transfer", None),
    ],
)
def test_a_guest_never_reaches_another_guests_booking(a, b, slot, method, path, body):
    reference = booked(a, slot)
    before = state()

    url = "/api/v1" + path.format(ref=reference)
    if method == "post":
        response = b.post(url, body or {}, content_type=JSON)
    else:
        response = getattr(b, method)(url)

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before
    assert b.get("/api/v1/bookings").json()["items"] == []
    assert b.get("/api/v1/bookings?when=past").json()["items"] == []


def test_it_refuses_to_confirm_someone_elses_hold(a, b, slot):
    reference = booked(a, slot)
    before = state()

    response = post(b, f"/bookings/{reference}/confirm")

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before
    assert Booking.objects.get(reference=reference).status == "held"


def test_a_guest_never_reaches_another_guests_waitlist_entry(a, b, listing):
    full = SlotFactory.create(listing=listing, capacity=1)
    confirmed(b, full, seats=1)
    entry = post(a, f"/slots/{full.pk}/waitlist", {"seats": 1}).json()["id"]
    before = state()

    response = b.delete(f"/api/v1/waitlist/{entry}")

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert b.get("/api/v1/waitlist").json()["items"] == []
    assert state() == before


def test_a_transfer_is_only_for_its_recipient(a, b, guest_b, slot, token_for):
    reference = confirmed(a, slot)
    post(a, f"/bookings/{reference}/transfer", {"to_email": guest_b.email})
    secret = transfer_secret()
    stranger = client_of(UserFactory.create(), token_for)
    before = state()

    wrong_user = post(stranger, f"/transfers/{secret}/accept")
    unknown = post(b, f"/transfers/{'x' * 32}/accept")
    malformed = post(b, "/transfers/not%20a%20secret/accept")

    assert (wrong_user.status_code, error_of(wrong_user)["code"]) == (404, "transfer_not_for_you")
    assert (unknown.status_code, error_of(unknown)["code"]) == (404, "invalid_link")
    assert (malformed.status_code, error_of(malformed)["code"]) == (400, "validation_error")
    assert list(error_of(malformed)["fields"]) == ["path.secret"]
    assert state() == before


def test_a_host_sees_only_bookings_on_their_own_listings(a, x, y, host_y, listing, slot):
    mine = booked(a, slot)
    other = booked(a, SlotFactory.create(listing=ListingFactory.create(host=host_y)))
    before = state()

    listed_x = x.get("/api/v1/host/bookings").json()["items"]
    listed_y = y.get("/api/v1/host/bookings").json()["items"]
    filtered = y.get(f"/api/v1/host/bookings?listing_id={listing.pk}").json()["items"]
    by_slot = y.get(f"/api/v1/host/bookings?slot_id={slot.pk}").json()["items"]
    responses = [
        y.get(f"/api/v1/host/bookings/{mine}"),
        post(y, f"/host/bookings/{mine}/accept"),
        post(y, f"/host/bookings/{mine}/decline", {"reason": "No."}),
        post(y, f"/host/bookings/{mine}/cancel", {"reason": "No."}),
        y.get(f"/api/v1/host/slots/{slot.pk}/roster"),
        post(y, f"/host/listings/{listing.pk}/slots/{slot.pk}/cancel"),
    ]

    assert [item["reference"] for item in listed_x] == [mine]
    assert [item["reference"] for item in listed_y] == [other]
    assert (filtered, by_slot) == ([], [])
    assert [(r.status_code, error_of(r)["code"]) for r in responses] == [(404, "not_found")] * 6
    assert state() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/host/bookings"),
        ("get", "/host/bookings/{ref}"),
        ("post", "/host/bookings/{ref}/accept"),
        ("post", "/host/bookings/{ref}/decline"),
        ("post", "/host/bookings/{ref}/cancel"),
        ("get", "/host/slots/{slot}/roster"),
    ],
)
def test_a_guest_who_is_not_a_host_gets_403(a, b, slot, method, path):
    reference = booked(a, slot)
    before = state()

    url = "/api/v1" + path.format(ref=reference, slot=slot.pk)
    response = b.post(url, {}, content_type=JSON) if method == "post" else b.get(url)

    assert (response.status_code, error_of(response)["code"]) == (403, "not_a_host")
    assert state() == before
