"""Query budgets: the booking lists cost the same at any page size."""

import pytest

from outings.api.tests.bookings.support import (
    JSON,
    booked,
    client_of,
    confirmed,
    post,
    state,
)
from outings.api.tests.helpers import error_of
from outings.bookings.models import BookingEvent
from outings.catalog.tests.factories import (
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Query budgets ----------------------------------------------------------------------------


def test_the_guests_booking_list_costs_the_same_at_any_page_size(
    a, guest_b, listing, django_assert_num_queries
):
    for index in range(8):
        reference = confirmed(a, SlotFactory.create(listing=listing), seats=1)
        if index % 2:
            post(a, f"/bookings/{reference}/transfer", {"to_email": guest_b.email})
    a.get("/api/v1/bookings?limit=1")  # records the token's use (once a minute)

    for limit in (2, 8):
        # The token with its user, the page with slots and listings, the pending transfers.
        with django_assert_num_queries(3):
            response = a.get(f"/api/v1/bookings?limit={limit}")
        assert len(response.json()["items"]) == limit
    assert sum(item["transfer"] is not None for item in response.json()["items"]) == 4


def test_the_hosts_booking_list_costs_the_same_at_any_page_size(
    a, b, x, listing, django_assert_num_queries
):
    for _ in range(4):
        booked(a, SlotFactory.create(listing=listing), seats=1)
        booked(b, SlotFactory.create(listing=listing), seats=1)
    x.get("/api/v1/host/bookings?limit=1")

    for limit in (2, 8):
        # The token with its user, the host, the page with slots, listings and guests.
        with django_assert_num_queries(3):
            response = x.get(f"/api/v1/host/bookings?limit={limit}")
        assert len(response.json()["items"]) == limit
    assert {item["guest_name"] for item in response.json()["items"]} == {"Ada Guest", "Bea Guest"}


def test_the_roster_and_the_waitlist_cost_the_same_at_any_page_size(
    a, b, x, listing, token_for, django_assert_num_queries
):
    slot = SlotFactory.create(listing=listing, capacity=6)
    for _ in range(6):
        booked(client_of(UserFactory.create(), token_for), slot, seats=1)
    for _ in range(5):
        full = SlotFactory.create(listing=listing, capacity=1)
        confirmed(b, full, seats=1)
        post(a, f"/slots/{full.pk}/waitlist", {"seats": 1})
    x.get(f"/api/v1/host/slots/{slot.pk}/roster?limit=1")
    a.get("/api/v1/waitlist?limit=1")

    for limit in (2, 5):
        with django_assert_num_queries(4):  # token, host, the slot, the page with guests
            roster = x.get(f"/api/v1/host/slots/{slot.pk}/roster?limit={limit}")
        with django_assert_num_queries(2):  # token, the page with slots, listings and offers
            waitlist = a.get(f"/api/v1/waitlist?limit={limit}")
        assert len(roster.json()["items"]) == len(waitlist.json()["items"]) == limit


@pytest.mark.parametrize("body", ["true", "[]", "3", '"reason"'])
def test_it_refuses_a_body_that_is_not_an_object(a, x, slot, body):
    reference = booked(a, slot)
    before = state()

    responses = [
        x.post(f"/api/v1/host/bookings/{reference}/decline", body, content_type=JSON),
        x.post(f"/api/v1/host/bookings/{reference}/cancel", body, content_type=JSON),
        a.post(f"/api/v1/bookings/{reference}/transfer", body, content_type=JSON),
        a.post(
            "/api/v1/bookings", body, content_type=JSON, headers={"Idempotency-Key": "not-object"}
        ),
    ]

    for response in responses:
        assert (response.status_code, error_of(response)["code"]) == (400, "validation_error")
        assert list(error_of(response)["fields"]) == ["body.payload"]
    assert state() == before


def test_a_retried_cancel_with_its_key_gets_the_first_answer(a, x, listing, slot):
    reference = confirmed(a, slot)
    other = SlotFactory.create(listing=listing)

    first = post(a, f"/bookings/{reference}/cancel", headers={"Idempotency-Key": "cancel-1"})
    retry = post(a, f"/bookings/{reference}/cancel", headers={"Idempotency-Key": "cancel-1"})
    without = post(a, f"/bookings/{reference}/cancel")
    date = f"/host/listings/{listing.pk}/slots/{other.pk}/cancel"
    closed = post(x, date, {"reason": "Ill."}, headers={"Idempotency-Key": "date-1"})
    closed_again = post(x, date, {"reason": "Ill."}, headers={"Idempotency-Key": "date-1"})

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert (without.status_code, error_of(without)["code"]) == (409, "invalid_state")
    assert closed_again.content == closed.content
    assert closed_again["Idempotent-Replayed"] == "true"
    assert (
        BookingEvent.objects.filter(booking__reference=reference, action="cancelled").count() == 1
    )
