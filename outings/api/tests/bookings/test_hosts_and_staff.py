"""The bookings API for hosts (requests, cancellations, rosters, dates, booking settings) and
staff."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from outings.api.tests.bookings.support import (
    JSON,
    booked,
    client_of,
    confirmed,
    post,
    seats_consistent,
    state,
)
from outings.api.tests.helpers import error_of
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


# --- Happy paths: the host and staff ----------------------------------------------------------


def test_a_host_accepts_a_booking_request(a, x, listing, slot):
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    reference = booked(a, slot, seats=2)

    waiting = x.get("/api/v1/host/bookings?status=requested")
    accepted = post(x, f"/host/bookings/{reference}/accept")

    assert a.get(f"/api/v1/bookings/{reference}").json()["status"] == "confirmed"
    assert waiting.status_code == 200
    assert waiting["Cache-Control"] == "no-store"
    assert [(i["reference"], i["guest_name"]) for i in waiting.json()["items"]] == [
        (reference, "Ada Guest")
    ]
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "confirmed"


def test_a_host_declines_a_booking_request_and_the_seats_are_freed(a, x, listing, slot):
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    reference = booked(a, slot, seats=2)

    declined = post(x, f"/host/bookings/{reference}/decline", {"reason": "Closed for repairs."})

    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["cancel_reason"] == "Closed for repairs."
    assert a.get(f"/api/v1/bookings/{reference}").json()["status"] == "declined"
    assert seats_consistent(slot)
    assert slot.seats_taken == 0


def test_a_host_cancels_a_booking_and_the_guest_is_due_everything(a, x, slot):
    reference = confirmed(a, slot, seats=2)

    cancelled = post(x, f"/host/bookings/{reference}/cancel", {"reason": "Storm warning."})

    assert cancelled.status_code == 200
    assert (cancelled.json()["cancelled_by"], cancelled.json()["refund_due"]) == ("host", 5000)
    assert cancelled.json()["cancel_reason"] == "Storm warning."
    assert seats_consistent(slot)


def test_a_host_reads_the_roster_of_a_date(a, b, guest_a, guest_b, x, slot):
    first = confirmed(a, slot, seats=2)
    second = booked(b, slot, seats=1)
    post(a, f"/bookings/{booked(a, slot, seats=1)}/cancel")  # not on the roster

    roster = x.get(f"/api/v1/host/slots/{slot.pk}/roster")
    paged = x.get(f"/api/v1/host/slots/{slot.pk}/roster?limit=1").json()

    assert roster.status_code == 200
    assert roster["Cache-Control"] == "no-store"
    body = roster.json()
    assert (body["slot"]["id"], body["slot"]["seats_taken"], body["slot"]["capacity"]) == (
        slot.pk,
        3,
        10,
    )
    assert [
        (i["reference"], i["status"], i["seats"], i["guest_name"], i["guest_email"])
        for i in body["items"]
    ] == [
        (first, "confirmed", 2, "Ada Guest", guest_a.email),
        (second, "held", 1, "Bea Guest", guest_b.email),
    ]
    assert [i["reference"] for i in paged["items"]] == [first]
    assert paged["next"] is not None


def test_a_host_cancels_a_booked_date_and_everyone_is_refunded(a, b, x, listing, slot):
    first = confirmed(a, slot, seats=2)
    second = booked(b, slot, seats=1)

    response = post(
        x, f"/host/listings/{listing.pk}/slots/{slot.pk}/cancel", {"reason": "Flooded."}
    )
    again = post(x, f"/host/listings/{listing.pk}/slots/{slot.pk}/cancel")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["seats_taken"]) == ("cancelled", 0)
    one, two = Booking.objects.get(reference=first), Booking.objects.get(reference=second)
    assert (one.status, one.cancelled_by, one.refund_due, one.cancel_reason) == (
        "cancelled",
        "host",
        5000,
        "Flooded.",
    )
    assert (two.status, two.refund_due) == ("cancelled", None)  # a hold: nothing was paid
    assert (again.status_code, error_of(again)["code"]) == (409, "invalid_state")
    assert seats_consistent(slot)


def test_a_host_cancels_an_unbooked_date_without_a_body(x, listing, slot):
    response = x.generic("POST", f"/api/v1/host/listings/{listing.pk}/slots/{slot.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_staff_cancel_any_booking_with_a_reason(a, guest_a, slot, token_for):
    reference = confirmed(a, slot)
    member = UserFactory.create(is_staff=True, permissions=["bookings.change_booking"])
    staff = client_of(member, token_for)

    cancelled = post(staff, f"/staff/bookings/{reference}/cancel", {"reason": "Fraud check."})

    assert cancelled.status_code == 200
    assert (cancelled.json()["cancelled_by"], cancelled.json()["refund_due"]) == ("staff", 5000)
    event = BookingEvent.objects.filter(booking__reference=reference).last()
    assert event is not None
    assert (event.action, event.note, event.actor_id) == ("cancelled", "Fraud check.", member.pk)


def test_staff_must_give_a_reason(a, slot, token_for):
    reference = confirmed(a, slot)
    member = UserFactory.create(is_staff=True, permissions=["bookings.change_booking"])
    staff = client_of(member, token_for)
    before = state()

    response = post(staff, f"/staff/bookings/{reference}/cancel", {"reason": ""})

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["body.payload.reason"]
    assert state() == before


@pytest.mark.parametrize("who", ["a", "x"])
def test_only_staff_may_cancel_as_staff(who, request, a, slot):
    reference = confirmed(a, slot)
    before = state()

    response = post(
        request.getfixturevalue(who), f"/staff/bookings/{reference}/cancel", {"reason": "No."}
    )

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before


def test_staff_who_may_only_view_bookings_cannot_cancel_them(a, slot, token_for):
    """Being staff was enough: anyone who may sign in to the admin (to read the outbox, say)
    could cancel any booking with a full refund through the API. It takes the permission to
    change bookings, as the admin's action does; without it the route is a 404 as for anyone
    else, and nothing changes."""
    reference = confirmed(a, slot)
    reader = UserFactory.create(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_booking"))
    before = state()

    response = post(
        client_of(reader, token_for), f"/staff/bookings/{reference}/cancel", {"reason": "No."}
    )

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before


# --- The listing's booking settings -----------------------------------------------------------


LISTING_BODY: dict[str, Any] = {
    "title": "Harbour walk",
    "category": "tours",
    "summary": "A walk.",
    "description": "Along the harbour.",
    "duration_minutes": 90,
    "price_amount": 2500,
    "currency": "EUR",
    "address": "Am Kupfergraben 1",
    "city": "Berlin",
    "country_code": "DE",
    "latitude": 52.52,
    "longitude": 13.395,
}


def test_a_host_sets_how_a_listing_is_booked(x):
    category("tours")
    settings = {"instant_booking": False, "min_guests": 4, "min_guests_cutoff_hours": 24}

    created = post(x, "/host/listings", {**LISTING_BODY, **settings})
    listing_id = created.json()["id"]
    kept = x.put(
        f"/api/v1/host/listings/{listing_id}",
        {**LISTING_BODY, "title": "Harbour walk at dusk", "version": 1},
        content_type=JSON,
    )
    default = post(x, "/host/listings", LISTING_BODY)

    assert created.status_code == 201
    assert {name: created.json()[name] for name in settings} == settings
    assert kept.status_code == 200
    assert {name: kept.json()[name] for name in settings} == settings  # left out: unchanged
    assert Listing.objects.get(pk=listing_id).min_guests == 4
    assert (default.json()["instant_booking"], default.json()["min_guests"]) == (True, 0)
    assert default.json()["min_guests_cutoff_hours"] == 48


def test_a_minimum_raised_after_a_dates_cut_off_leaves_that_date_on(a, x, listing):
    """The date is a day ahead, past the 48 hours' cut-off, with one guest and no minimum. The
    host sets a minimum of 3: the next run of decide_minimums cancelled the date at once, its
    guest refunded hours before it by a rule set after its cut-off. Now the new minimum holds
    for the dates whose cut-off is ahead; this one was decided at the edit and stays on."""
    category("tours")
    soon = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(hours=24))
    reference = confirmed(a, soon, seats=1)
    here = {"city": "Toronto", "country_code": "CA", "latitude": 43.6426, "longitude": -79.3871}

    response = x.put(
        f"/api/v1/host/listings/{listing.pk}",
        {**LISTING_BODY, **here, "min_guests": 3, "version": listing.version},
        content_type=JSON,
    )
    now = timezone.now()
    for slot_id in services.slots_due_for_minimum(now=now):
        services.decide_minimum(slot_id=slot_id, now=now)

    assert response.status_code == 200
    assert response.json()["min_guests"] == 3
    soon.refresh_from_db()
    assert soon.status == Slot.Status.OPEN
    assert a.get(f"/api/v1/bookings/{reference}").json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_guests", -1),
        ("min_guests", 1001),
        ("min_guests_cutoff_hours", 0),
        ("min_guests_cutoff_hours", 721),
        ("instant_booking", "sometimes"),
    ],
)
def test_it_refuses_booking_settings_out_of_range(x, host_x, field, value):
    category("tours")
    listing = ListingFactory.create(host=host_x, status=Listing.Status.DRAFT)
    before = Listing.objects.values().get(pk=listing.pk)

    created = post(x, "/host/listings", {**LISTING_BODY, field: value})
    replaced = x.put(
        f"/api/v1/host/listings/{listing.pk}",
        {**LISTING_BODY, field: value, "version": 1},
        content_type=JSON,
    )

    for response in (created, replaced):
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [f"body.payload.{field}"]
    assert Listing.objects.filter(host=host_x).count() == 1
    assert Listing.objects.values().get(pk=listing.pk) == before
