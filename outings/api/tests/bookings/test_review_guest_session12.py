"""Review of the guests' bookings API against the pages (session 12): the same booking reads the
same, and the same action is answered the same, on both."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.api.tests.bookings.support import JSON, booked, confirmed, post
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_hold_whose_time_ran_out_is_expired_before_the_sweep_ends_it(a, slot):
    """GET answered `held` with an `expires_at` in the past, although every read already counts
    its seats as free and the booking page says it expired."""
    reference = booked(a, slot)
    Booking.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    read = a.get(f"/api/v1/bookings/{reference}").json()
    listed = a.get("/api/v1/bookings?when=past").json()["items"]
    cancel = a.generic("POST", f"/api/v1/bookings/{reference}/cancel")

    assert (read["status"], read["expires_at"]) == ("expired", None)
    assert [(item["reference"], item["status"]) for item in listed] == [(reference, "expired")]
    assert (cancel.status_code, error_of(cancel)["code"]) == (409, "invalid_state")
    assert Booking.objects.get().status == "held"  # the sweep records it; a refusal writes nothing


def test_offering_a_booking_again_to_the_same_address_answers_the_pending_offer(a, slot):
    """A retried POST without an Idempotency-Key withdrew the first offer and mailed a second
    link, so the link in the first mail was dead."""
    reference = confirmed(a, slot)
    first = a.post(
        f"/api/v1/bookings/{reference}/transfer", {"to_email": "b@example.org"}, content_type=JSON
    )
    again = a.post(
        f"/api/v1/bookings/{reference}/transfer", {"to_email": "B@example.org"}, content_type=JSON
    )

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert list(Transfer.objects.values_list("status", flat=True)) == ["pending"]
    assert OutboxMessage.objects.filter(payload__template="booking_transfer").count() == 1


def test_a_waiting_list_offer_whose_time_ran_out_reads_lapsed_like_its_booking(a, b, listing):
    """The offer is a hold: once its time ran out its booking reads `expired` at once, but the
    waiting list still said `offered` with a deadline in the past until the sweep ran."""
    full = SlotFactory.create(listing=listing, capacity=2)
    taken = confirmed(a, full, seats=2)
    post(b, f"/slots/{full.pk}/waitlist", {"seats": 2})
    post(a, f"/bookings/{taken}/cancel")
    offer = b.get("/api/v1/waitlist").json()["items"][0]["booking"]
    Booking.objects.filter(reference=offer).update(expires_at=timezone.now() - timedelta(minutes=1))

    entry = b.get("/api/v1/waitlist").json()["items"][0]
    booking = b.get(f"/api/v1/bookings/{offer}").json()

    assert booking["status"] == "expired"
    assert (entry["status"], entry["offer_expires_at"]) == ("lapsed", None)
    assert WaitlistEntry.objects.get().status == "offered"  # the sweep records it


@pytest.mark.parametrize(
    ("policy", "hours_ahead", "share"),
    [("moderate", 200, 100), ("moderate", 48, 50), ("strict", 48, 0), ("flexible", 30, 100)],
)
def test_a_booking_says_what_cancelling_it_now_would_refund_as_the_cancel_then_records(
    a, listing, policy, hours_ahead, share
):
    """The page shows the refund before the guest confirms the cancellation; the API only told
    it afterwards, so a client could not show it first."""
    Listing.objects.filter(pk=listing.pk).update(cancellation_policy=policy)
    slot = SlotFactory.create(
        listing=listing, starts_at=timezone.now() + timedelta(hours=hours_ahead)
    )
    reference = confirmed(a, slot)

    before = a.get(f"/api/v1/bookings/{reference}").json()
    cancelled = a.generic("POST", f"/api/v1/bookings/{reference}/cancel").json()

    assert before["refund_if_cancelled"] == before["total_price"] * share // 100
    assert cancelled["refund_due"] == before["refund_if_cancelled"]
    assert cancelled["refund_if_cancelled"] is None  # nothing left to cancel


def test_a_hold_would_refund_nothing_since_nothing_was_paid(a, slot):
    reference = booked(a, slot)

    assert a.get(f"/api/v1/bookings/{reference}").json()["refund_if_cancelled"] is None
