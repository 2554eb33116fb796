"""The bookings API: guests hold, confirm, cancel, transfer and wait; hosts answer, cancel and read
rosters; staff cancel. Personas: guests A and B, host X (who owns the listing) and host Y.
Every refused request is checked for its code and for having changed nothing."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.api.models import IdempotencyKey
from outings.api.tests.helpers import error_of
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent, Transfer, WaitlistEntry
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.models import OutboxMessage
from outings.notifications import emails
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

JSON = "application/json"


# --- Personas and a bookable date -------------------------------------------------------------


@pytest.fixture
def guest_a(db: Any) -> User:
    return UserFactory.create(username="guest_a", first_name="Ada", last_name="Guest")


@pytest.fixture
def guest_b(db: Any) -> User:
    return UserFactory.create(username="guest_b", first_name="Bea", last_name="Guest")


@pytest.fixture
def host_x(db: Any) -> HostProfile:
    return HostProfileFactory.create(user__username="host_x")


@pytest.fixture
def host_y(db: Any) -> HostProfile:
    return HostProfileFactory.create(user__username="host_y")


@pytest.fixture
def listing(host_x: HostProfile) -> Listing:
    return ListingFactory.create(host=host_x, price_amount=2500, currency="CAD", max_group_size=6)


@pytest.fixture
def slot(listing: Listing) -> Slot:
    return SlotFactory.create(listing=listing, capacity=10)


def client_of(user: User, token_for: Callable[[User], str]) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


@pytest.fixture
def a(guest_a: User, token_for: Callable[[User], str]) -> Client:
    return client_of(guest_a, token_for)


@pytest.fixture
def b(guest_b: User, token_for: Callable[[User], str]) -> Client:
    return client_of(guest_b, token_for)


@pytest.fixture
def x(host_x: HostProfile, token_for: Callable[[User], str]) -> Client:
    return client_of(host_x.user, token_for)


@pytest.fixture
def y(host_y: HostProfile, token_for: Callable[[User], str]) -> Client:
    return client_of(host_y.user, token_for)


_keys = iter(range(10**6))


def book(client: Client, slot: Slot, seats: int = 2, key: str | None = None) -> Any:
    return client.post(
        "/api/v1/bookings",
        {"slot_id": slot.pk, "seats": seats},
        content_type=JSON,
        headers={"Idempotency-Key": key or f"key-{next(_keys)}"},
    )


def booked(client: Client, slot: Slot, seats: int = 2) -> str:
    response = book(client, slot, seats)
    assert response.status_code == 201, response.content
    return str(response.json()["reference"])


def confirmed(client: Client, slot: Slot, seats: int = 2) -> str:
    reference = booked(client, slot, seats)
    assert client.post(f"/api/v1/bookings/{reference}/confirm").status_code == 200
    return reference


def post(
    client: Client,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(f"/api/v1{path}", body or {}, content_type=JSON, headers=headers or {})


def state() -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    return {
        "seats_taken": dict(Slot.objects.values_list("pk", "seats_taken")),
        "slot_status": dict(Slot.objects.values_list("pk", "status")),
        "bookings": dict(Booking.objects.values_list("reference", "status")),
        "guests": dict(Booking.objects.values_list("reference", "guest_id")),
        "events": BookingEvent.objects.count(),
        "transfers": list(Transfer.objects.values_list("pk", "status")),
        "waitlist": list(WaitlistEntry.objects.values_list("pk", "status")),
        "outbox": OutboxMessage.objects.count(),
    }


def seats_consistent(slot: Slot) -> bool:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    return slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)


# --- Happy paths: the guest -------------------------------------------------------------------


def test_a_guest_holds_seats_then_confirms_them(a, slot):
    created = book(a, slot, seats=3)
    reference = created.json()["reference"]
    read = a.get(f"/api/v1/bookings/{reference}")
    confirm = a.post(f"/api/v1/bookings/{reference}/confirm")

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


def transfer_secret() -> str:
    message = OutboxMessage.objects.filter(kind=emails.KIND).order_by("-id").first()
    assert message is not None
    assert message.payload["template"] == "booking_transfer"
    path = urlparse(str(message.payload["context"]["accept_url"])).path
    return path.rstrip("/").rsplit("/", 1)[-1]


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
    confirm = b.post(f"/api/v1/bookings/{offer}/confirm")

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
    member = UserFactory.create(is_staff=True)
    staff = client_of(member, token_for)

    cancelled = post(staff, f"/staff/bookings/{reference}/cancel", {"reason": "Fraud check."})

    assert cancelled.status_code == 200
    assert (cancelled.json()["cancelled_by"], cancelled.json()["refund_due"]) == ("staff", 5000)
    event = BookingEvent.objects.filter(booking__reference=reference).last()
    assert event is not None
    assert (event.action, event.note, event.actor_id) == ("cancelled", "Fraud check.", member.pk)


def test_staff_must_give_a_reason(a, slot, token_for):
    reference = confirmed(a, slot)
    staff = client_of(UserFactory.create(is_staff=True), token_for)
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

    assert (wrong_user.status_code, error_of(wrong_user)["code"]) == (403, "transfer_not_for_you")
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


# --- Bad input: each a 4xx in the error shape that changes nothing ---------------------------


@pytest.mark.parametrize(
    ("seats", "capacity", "status", "field"),
    [
        (0, 10, 400, "body.payload.seats"),
        (-1, 10, 400, "body.payload.seats"),
        (7, 10, 400, "body.payload.seats"),  # the listing takes groups of up to 6
        (5, 4, 400, "body.payload.seats"),  # more than the date has in all
        ("two", 10, 400, "body.payload.seats"),
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
