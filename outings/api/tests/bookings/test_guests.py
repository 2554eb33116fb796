"""The bookings API for guests: hold, confirm, list, cancel, hand on, wait; the public list of
dates."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.api.tests.bookings.support import (
    book,
    booked,
    confirmed,
    post,
    seats_consistent,
    transfer_secret,
)
from outings.api.tests.helpers import error_of
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import (
    SlotFactory,
)
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


# --- Happy paths: the guest -------------------------------------------------------------------


def test_a_guest_holds_seats_then_confirms_them(a, slot):
    created = book(a, slot, seats=3)
    reference = created.json()["reference"]
    read = a.get(f"/api/v1/bookings/{reference}")
    confirm = a.generic("POST", f"/api/v1/bookings/{reference}/confirm")

    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    assert created.json()["status"] == "held"
    assert (created.json()["seats"], created.json()["total_price"]) == (3, 7500)
    assert created.json()["transfer"] is None
    assert read.status_code == 200
    assert read["Cache-Control"] == "no-store"
    assert read.json()["reference"] == reference
    assert (read.json()["status"], read.json()["seats"]) == ("held", 3)
    assert confirm.status_code == 200
    assert confirm.json()["status"] == "confirmed"
    assert confirm.json()["expires_at"] is None  # decided: nothing lapses any more
    assert confirm.json()["confirmed_at"] is not None
    slot.refresh_from_db()
    assert slot.seats_taken == 3
    assert seats_consistent(slot)


def test_a_guest_lists_upcoming_and_past_bookings(a, guest_a, listing, slot):
    upcoming = confirmed(a, slot)
    cancelled = booked(a, SlotFactory.create(listing=listing))
    post(a, f"/bookings/{cancelled}/cancel")
    started = SlotFactory.create(listing=listing)
    gone = confirmed(a, started)
    Slot.objects.filter(pk=started.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )

    coming = a.get("/api/v1/bookings")
    past = a.get("/api/v1/bookings?when=past")

    assert coming.status_code == 200
    assert coming["Cache-Control"] == "no-store"
    assert [item["reference"] for item in coming.json()["items"]] == [upcoming]
    assert [item["reference"] for item in past.json()["items"]] == [gone, cancelled]
    assert past.json()["items"][1]["status"] == "cancelled"


def test_the_booking_list_pages_with_cursors(a, listing):
    references = [booked(a, SlotFactory.create(listing=listing), seats=1) for _ in range(3)]

    first = a.get("/api/v1/bookings?limit=2").json()
    second = a.get(f"/api/v1/bookings?limit=2&cursor={first['next']}").json()
    foreign = a.get(f"/api/v1/bookings?when=past&cursor={first['next']}")

    assert [item["reference"] for item in first["items"]] == references[:0:-1]
    assert [item["reference"] for item in second["items"]] == references[:1]
    assert second["next"] is None
    assert foreign.status_code == 400
    assert list(error_of(foreign)["fields"]) == ["query.cursor"]


def test_a_guest_cancels_a_confirmed_booking_and_is_told_the_refund(a, slot):
    reference = confirmed(a, slot, seats=2)

    response = post(a, f"/bookings/{reference}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by"] == "guest"
    assert response.json()["refund_due"] == 5000  # flexible, more than a day ahead
    assert seats_consistent(slot)
    assert slot.seats_taken == 0


def test_a_booking_is_handed_to_someone_else(a, b, x, guest_b, slot):
    reference = confirmed(a, slot)

    offered = post(a, f"/bookings/{reference}/transfer", {"to_email": guest_b.email})
    pending = a.get(f"/api/v1/bookings/{reference}").json()["transfer"]
    secret = transfer_secret()
    accepted = post(b, f"/transfers/{secret}/accept")

    assert offered.status_code == 202
    assert offered.json() == {
        "reference": reference,
        "to_email": guest_b.email,
        "status": "pending",
        "created_at": offered.json()["created_at"],
    }
    assert secret not in offered.content.decode()
    assert pending["to_email"] == guest_b.email
    assert accepted.status_code == 200
    assert accepted.json()["reference"] == reference
    assert accepted.json()["transfer"] is None
    assert a.get(f"/api/v1/bookings/{reference}").status_code == 404
    assert b.get(f"/api/v1/bookings/{reference}").status_code == 200
    assert x.get(f"/api/v1/host/bookings/{reference}").json()["guest_name"] == "Bea Guest"
    assert post(b, f"/transfers/{secret}/accept").status_code == 404  # used up


def test_a_guest_withdraws_a_transfer(a, b, guest_b, slot):
    reference = confirmed(a, slot)
    post(a, f"/bookings/{reference}/transfer", {"to_email": guest_b.email})
    secret = transfer_secret()

    withdrawn = a.delete(f"/api/v1/bookings/{reference}/transfer")
    again = a.delete(f"/api/v1/bookings/{reference}/transfer")
    accept = post(b, f"/transfers/{secret}/accept")

    assert (withdrawn.status_code, again.status_code) == (204, 204)
    assert a.get(f"/api/v1/bookings/{reference}").json()["transfer"] is None
    assert (accept.status_code, error_of(accept)["code"]) == (404, "invalid_link")
    assert Booking.objects.get(reference=reference).guest.username == "guest_a"


def test_a_guest_waits_for_a_full_date_and_gets_the_seats_offered(a, b, listing):
    full = SlotFactory.create(listing=listing, capacity=2)
    taken = confirmed(a, full, seats=2)

    joined = post(b, f"/slots/{full.pk}/waitlist", {"seats": 2})
    post(a, f"/bookings/{taken}/cancel")
    entries = b.get("/api/v1/waitlist")
    offer = entries.json()["items"][0]["booking"]
    confirm = b.generic("POST", f"/api/v1/bookings/{offer}/confirm")

    assert joined.status_code == 201
    assert joined.json()["status"] == "waiting"
    assert (joined.json()["seats"], joined.json()["booking"]) == (2, None)
    assert entries.status_code == 200
    assert entries["Cache-Control"] == "no-store"
    assert entries.json()["items"][0]["status"] == "offered"
    assert entries.json()["items"][0]["offer_expires_at"] is not None
    assert confirm.json()["status"] == "confirmed"
    assert b.get("/api/v1/waitlist").json()["items"][0]["status"] == "booked"
    assert seats_consistent(full)


def test_a_guest_leaves_a_waiting_list(b, a, listing):
    full = SlotFactory.create(listing=listing, capacity=2)
    confirmed(a, full, seats=2)
    entry = post(b, f"/slots/{full.pk}/waitlist", {"seats": 1}).json()["id"]

    left = b.delete(f"/api/v1/waitlist/{entry}")
    again = b.delete(f"/api/v1/waitlist/{entry}")

    assert left.status_code == 204
    assert WaitlistEntry.objects.get(pk=entry).status == "left"
    assert (again.status_code, error_of(again)["code"]) == (409, "invalid_state")


# --- The public list of dates -----------------------------------------------------------------


def test_the_public_slot_list_counts_lapsed_holds_as_free(guest_a, listing):
    slot = SlotFactory.create(listing=listing, capacity=4)
    services.hold_seats(guest=guest_a, slot_id=slot.pk, seats=3, now=timezone.now())
    fresh = Client().get(f"/api/v1/listings/{listing.pk}/slots").json()["items"]

    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    lapsed = Client().get(f"/api/v1/listings/{listing.pk}/slots").json()["items"]

    assert [(s["id"], s["seats_left"]) for s in fresh] == [(slot.pk, 1)]
    assert [(s["id"], s["seats_left"]) for s in lapsed] == [(slot.pk, 4)]
    slot.refresh_from_db()
    assert slot.seats_taken == 3  # not swept yet: only the reads count it as free
