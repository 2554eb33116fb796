"""Bad input: each refusal a 4xx in the error shape, checked for having changed nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.api.models import IdempotencyKey
from outings.api.tests.bookings.support import (
    JSON,
    book,
    booked,
    confirmed,
    post,
    seats_consistent,
    state,
)
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    ListingFactory,
    SlotFactory,
)
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


# --- Bad input: each a 4xx in the error shape that changes nothing ---------------------------


@pytest.mark.parametrize(
    ("seats", "capacity", "status", "field"),
    [
        (0, 10, 400, "body.payload.seats"),
        (-1, 10, 400, "body.payload.seats"),
        (7, 10, 400, "body.payload.seats"),  # the listing takes groups of up to 6
        (5, 4, 400, "body.payload.seats"),  # more than the date has in all
        ("two", 10, 400, "body.payload.seats"),
        # Wrong JSON types, not coerced: `true` was one seat and "2" two.
        (True, 10, 400, "body.payload.seats"),
        ("2", 10, 400, "body.payload.seats"),
    ],
)
def test_it_refuses_seats_outside_the_limits(a, listing, seats, capacity, status, field):
    slot = SlotFactory.create(listing=listing, capacity=capacity)
    before = state()

    response = a.post(
        "/api/v1/bookings",
        {"slot_id": slot.pk, "seats": seats},
        content_type=JSON,
        headers={"Idempotency-Key": "seats-1"},
    )

    assert response.status_code == status
    assert error_of(response)["code"] == "validation_error"
    assert list(error_of(response)["fields"]) == [field]
    assert state() == before


def test_it_refuses_more_seats_than_are_left(a, b, listing):
    slot = SlotFactory.create(listing=listing, capacity=4)
    confirmed(b, slot, seats=3)
    before = state()

    response = book(a, slot, seats=2)

    assert (response.status_code, error_of(response)["code"]) == (409, "slot_full")
    assert state() == before
    assert seats_consistent(slot)


@pytest.mark.parametrize("when", ["started", "cancelled"])
def test_it_refuses_a_date_that_started_or_was_cancelled(a, listing, when):
    slot = SlotFactory.create(listing=listing)
    if when == "started":
        Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    else:
        Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    before = state()

    response = book(a, slot)
    waitlist = post(a, f"/slots/{slot.pk}/waitlist", {"seats": 1})

    assert (response.status_code, error_of(response)["code"]) == (409, "slot_unavailable")
    assert (waitlist.status_code, error_of(waitlist)["code"]) == (409, "slot_unavailable")
    assert state() == before


@pytest.mark.parametrize("status", ["draft", "submitted", "paused", "archived"])
def test_it_refuses_a_date_of_a_listing_that_is_not_published(a, host_x, status):
    slot = SlotFactory.create(listing=ListingFactory.create(host=host_x, status=status))
    before = state()

    response = book(a, slot)
    waitlist = post(a, f"/slots/{slot.pk}/waitlist", {"seats": 1})

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert (waitlist.status_code, error_of(waitlist)["code"]) == (404, "not_found")
    assert state() == before


def test_it_refuses_an_unknown_date(a):
    before = state()

    response = book(a, Slot(pk=2**40))

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before


@pytest.mark.parametrize(
    "key",
    [None, "has a space", "k" * 300, "", "caf\u00e9"],
    ids=["missing", "space", "300-chars", "empty", "not-ascii"],
)
def test_it_refuses_a_missing_or_malformed_idempotency_key(a, slot, key):
    headers = {} if key is None else {"Idempotency-Key": key}
    before = state()

    response = a.post(
        "/api/v1/bookings",
        {"slot_id": slot.pk, "seats": 1},
        content_type=JSON,
        headers=headers,
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert list(error_of(response)["fields"]) == ["header.Idempotency-Key"]
    assert state() == before
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_and_body_replay_the_first_answer(a, slot):
    first = book(a, slot, seats=2, key="checkout-1")
    after_first = state()

    replay = book(a, slot, seats=2, key="checkout-1")

    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content
    assert replay["Idempotent-Replayed"] == "true"
    assert first.get("Idempotent-Replayed") is None
    assert state() == after_first
    assert Booking.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(a, slot):
    book(a, slot, seats=2, key="checkout-1")
    before = state()

    response = book(a, slot, seats=3, key="checkout-1")

    assert (response.status_code, error_of(response)["code"]) == (422, "idempotency_key_reused")
    assert state() == before


def test_keys_are_scoped_to_the_caller(a, b, slot):
    book(a, slot, seats=2, key="checkout-1")

    response = book(b, slot, seats=2, key="checkout-1")

    assert response.status_code == 201
    assert response.get("Idempotent-Replayed") is None
    assert Booking.objects.count() == 2


def test_a_refused_hold_is_replayed_with_its_error(a, listing):
    slot = SlotFactory.create(listing=listing, capacity=4)
    first = book(a, slot, seats=5, key="too-many")
    replay = book(a, slot, seats=5, key="too-many")

    assert first.status_code == replay.status_code == 400
    assert replay.content == first.content
    assert replay["Idempotent-Replayed"] == "true"
    assert not Booking.objects.exists()


def test_it_refuses_to_cancel_twice(a, slot):
    reference = confirmed(a, slot)
    post(a, f"/bookings/{reference}/cancel")
    before = state()

    response = post(a, f"/bookings/{reference}/cancel")

    assert (response.status_code, error_of(response)["code"]) == (409, "invalid_state")
    assert state() == before


def test_it_refuses_to_cancel_a_date_that_started(a, x, slot):
    reference = confirmed(a, slot)
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    before = state()

    by_guest = post(a, f"/bookings/{reference}/cancel")
    by_host = post(x, f"/host/bookings/{reference}/cancel", {"reason": "Late."})

    assert (by_guest.status_code, error_of(by_guest)["code"]) == (409, "invalid_state")
    assert (by_host.status_code, error_of(by_host)["code"]) == (409, "invalid_state")
    assert state() == before


def patch_places(x, listing, slot, version):
    """The host sets the date's places to 12, with its version in the body, in If-Match or not
    at all."""
    body = {"capacity": 12, **({"version": 1} if version == "body" else {})}
    headers = {"If-Match": '"1"'} if version == "if-match" else {}
    return x.patch(
        f"/api/v1/host/listings/{listing.pk}/slots/{slot.pk}",
        body,
        content_type=JSON,
        headers=headers,
    )


@pytest.mark.parametrize("version", [None, "body", "if-match"])
def test_it_refuses_to_change_the_places_of_a_cancelled_date(a, x, listing, slot, version):
    """Its guests were told and refunded, its list closed: a new number of places moved its
    version and showed it on a date nobody can book (200)."""
    confirmed(a, slot)
    post(x, f"/host/listings/{listing.pk}/slots/{slot.pk}/cancel")
    before = state(), Slot.objects.values_list("capacity", "version").get(pk=slot.pk)

    response = patch_places(x, listing, slot, version)

    assert (response.status_code, error_of(response)["code"]) == (409, "invalid_state")
    assert error_of(response)["message"] == "This date is cancelled: its places cannot change."
    assert (state(), Slot.objects.values_list("capacity", "version").get(pk=slot.pk)) == before


@pytest.mark.parametrize("version", [None, "body", "if-match"])
def test_it_refuses_to_change_the_places_of_a_date_that_started(a, x, listing, slot, version):
    """Nobody can book a date once it has begun: a new number of places moved its version and
    rewrote the record of a date under way (200), by its id, while cancelling it was refused."""
    confirmed(a, slot)
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    before = state(), Slot.objects.values_list("capacity", "version").get(pk=slot.pk)

    response = patch_places(x, listing, slot, version)

    assert (response.status_code, error_of(response)["code"]) == (409, "invalid_state")
    assert error_of(response)["message"] == "This date has started: its places cannot change."
    assert (state(), Slot.objects.values_list("capacity", "version").get(pk=slot.pk)) == before


def test_a_host_cannot_answer_a_booking_that_is_not_a_request(a, x, slot):
    reference = confirmed(a, slot)
    before = state()

    accept = post(x, f"/host/bookings/{reference}/accept")
    decline = post(x, f"/host/bookings/{reference}/decline")

    assert (accept.status_code, error_of(accept)["code"]) == (409, "invalid_state")
    assert (decline.status_code, error_of(decline)["code"]) == (409, "invalid_state")
    assert state() == before


@pytest.mark.parametrize(
    "to_email",
    ["guest_a@example.org", "GUEST_A@example.org ", "not an address", "a@b", "x" * 250 + "@e.org"],
    ids=["oneself", "oneself-in-capitals", "no-at", "no-domain", "too-long"],
)
def test_it_refuses_a_transfer_to_oneself_or_a_malformed_address(a, guest_a, slot, to_email):
    assert guest_a.email == "guest_a@example.org"
    reference = confirmed(a, slot)
    before = state()

    response = post(a, f"/bookings/{reference}/transfer", {"to_email": to_email})

    assert (response.status_code, error_of(response)["code"]) == (400, "validation_error")
    assert list(error_of(response)["fields"]) == ["body.payload.to_email"]
    assert state() == before


def test_it_refuses_to_transfer_a_booking_that_is_not_confirmed(a, slot):
    reference = booked(a, slot)
    before = state()

    response = post(a, f"/bookings/{reference}/transfer", {"to_email": "friend@example.org"})

    assert (response.status_code, error_of(response)["code"]) == (409, "invalid_state")
    assert state() == before


def test_it_refuses_to_wait_while_seats_are_free_or_twice(a, b, listing):
    open_slot = SlotFactory.create(listing=listing, capacity=4)
    full = SlotFactory.create(listing=listing, capacity=2)
    confirmed(b, full, seats=2)
    post(a, f"/slots/{full.pk}/waitlist", {"seats": 1})
    before = state()

    free = post(a, f"/slots/{open_slot.pk}/waitlist", {"seats": 2})
    twice = post(a, f"/slots/{full.pk}/waitlist", {"seats": 2})
    too_many = post(a, f"/slots/{full.pk}/waitlist", {"seats": 7})

    assert (free.status_code, error_of(free)["code"]) == (409, "seats_available")
    assert (twice.status_code, error_of(twice)["code"]) == (409, "already_waiting")
    assert (too_many.status_code, error_of(too_many)["code"]) == (400, "validation_error")
    assert list(error_of(too_many)["fields"]) == ["body.payload.seats"]
    assert state() == before


@pytest.mark.parametrize(
    "reference", ["abcdefghjk", "ABCDEFGHJ", "ABCDEFGHJKL", "ABCDEFGH0O"], ids=str
)
def test_it_refuses_a_malformed_reference(a, reference):
    response = a.get(f"/api/v1/bookings/{reference}")

    assert (response.status_code, error_of(response)["code"]) == (400, "validation_error")
    assert list(error_of(response)["fields"]) == ["path.reference"]


def test_it_refuses_an_unknown_when(a):
    response = a.get("/api/v1/bookings?when=soon")

    assert (response.status_code, list(error_of(response)["fields"])) == (400, ["query.when"])


def test_it_refuses_an_unknown_status_filter(x):
    response = x.get("/api/v1/host/bookings?status=lost")

    assert (response.status_code, list(error_of(response)["fields"])) == (400, ["query.status"])
