"""Every route under /api/v1/, every method, every role: the expected status, from one table.

The test walks the URLconf, so a new route fails here until it has a row; a new method on an
existing route fails too, because every method not in the table must answer 405. Another user's
private object answers 404, never 403.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User
from outings.accounts.tests.reauth import reauthenticated
from outings.bookings import services as booking_services
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.notifications.models import Notification
from outings.scheduling.models import Schedule, ScheduleException, Slot

ROLES = ("anonymous", "guest_a", "guest_b", "host_x", "host_y", "staff")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "uploads": settings.STORAGES["uploads"],  # where a photo's upload waits for its task
}


@dataclass
class World:
    users: dict[str, User]
    public_listing: Listing
    public_slot: Slot
    draft_listing: Listing

    def notification_of_guest_a(self) -> int:
        notification = Notification.objects.create(
            user=self.users["guest_a"],
            kind=Notification.Kind.LISTING_APPROVED,
            data={"title": "Walk"},
            created_at=timezone.now(),
        )
        return notification.pk

    def token_of_guest_a(self) -> int:
        issued = account_services.create_api_token(user=self.users["guest_a"], name="walk")
        return issued.token.pk

    def booking_of_guest_a(self, *, confirm: bool = False, instant: bool = True) -> str:
        """A fresh hold (or confirmed booking, or request) of guest_a's on host_x's listing."""
        listing = self.public_listing
        if not instant:
            listing = ListingFactory.create(host=listing.host, instant_booking=False)
        slot = SlotFactory.create(listing=listing)
        now = timezone.now()
        guest = self.users["guest_a"]
        booking = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
        if confirm:
            booking_services.confirm_booking(guest=guest, reference=booking.reference, now=now)
        return booking.reference

    def transfer_to_guest_b(self) -> str:
        """The link secret of guest_a's confirmed booking offered to guest_b."""
        _, secret = booking_services.offer_transfer(
            guest=self.users["guest_a"],
            reference=self.booking_of_guest_a(confirm=True),
            to_email=self.users["guest_b"].email,
            now=timezone.now(),
        )
        return secret

    def full_slot(self) -> int:
        """A date of host_x's whose one seat someone else has taken."""
        slot = SlotFactory.create(listing=self.public_listing, capacity=1)
        booking_services.hold_seats(
            guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=timezone.now()
        )
        return slot.pk

    def waitlist_entry_of_guest_a(self) -> int:
        entry = booking_services.join_waitlist(
            guest=self.users["guest_a"], slot_id=self.full_slot(), seats=1, now=timezone.now()
        )
        return entry.pk


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    body: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    headers: dict[str, str] | None = None


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401}


def only_guest_a(status: int) -> dict[str, int]:
    return {**everyone(404), "anonymous": 401, "guest_a": status}


TABLE: dict[str, list[Case]] = {
    # The API's address, with and without its slash: where the document and the docs are.
    "api/v1": [Case("GET", lambda w: "/api/v1", everyone(200))],
    "api/v1/": [Case("GET", lambda w: "/api/v1/", everyone(200))],
    "api/v1/openapi.json": [Case("GET", lambda w: "/api/v1/openapi.json", everyone(200))],
    "api/v1/docs": [Case("GET", lambda w: "/api/v1/docs", everyone(200))],
    "api/v1/categories": [Case("GET", lambda w: "/api/v1/categories", everyone(200))],
    "api/v1/listings": [Case("GET", lambda w: "/api/v1/listings", everyone(200))],
    "api/v1/listings/<listing_id>": [
        Case("GET", lambda w: f"/api/v1/listings/{w.public_listing.pk}", everyone(200)),
        # A draft is private to its host, and this public route does not show it even to them.
        Case("GET", lambda w: f"/api/v1/listings/{w.draft_listing.pk}", everyone(404)),
    ],
    "api/v1/listings/<listing_id>/slots": [
        Case("GET", lambda w: f"/api/v1/listings/{w.public_listing.pk}/slots", everyone(200)),
        Case("GET", lambda w: f"/api/v1/listings/{w.draft_listing.pk}/slots", everyone(404)),
    ],
    "api/v1/search": [
        Case("GET", lambda w: "/api/v1/search?q=walk&guests=2", everyone(200)),
        Case("GET", lambda w: "/api/v1/search?radius_km=5", everyone(400)),
    ],
    "api/v1/listings/<listing_id>/similar": [
        Case("GET", lambda w: f"/api/v1/listings/{w.public_listing.pk}/similar", everyone(200)),
        Case("GET", lambda w: f"/api/v1/listings/{w.draft_listing.pk}/similar", everyone(404)),
    ],
    "api/v1/autocomplete": [Case("GET", lambda w: "/api/v1/autocomplete?q=wal", everyone(200))],
    "api/v1/notifications": [Case("GET", lambda w: "/api/v1/notifications", signed_in(200))],
    "api/v1/notifications/unread-count": [
        Case("GET", lambda w: "/api/v1/notifications/unread-count", signed_in(200)),
    ],
    "api/v1/notifications/<notification_id>/read": [
        Case(
            "POST",
            lambda w: f"/api/v1/notifications/{w.notification_of_guest_a()}/read",
            only_guest_a(200),
        ),
    ],
    "api/v1/notifications/read-all": [
        Case("POST", lambda w: "/api/v1/notifications/read-all", signed_in(200)),
    ],
    "api/v1/notifications/email-preferences": [
        Case("GET", lambda w: "/api/v1/notifications/email-preferences", signed_in(200)),
        Case(
            "PATCH",
            lambda w: "/api/v1/notifications/email-preferences",
            signed_in(200),
            body={"messages": False},
        ),
    ],
    "api/v1/me": [
        Case("GET", lambda w: "/api/v1/me", signed_in(200)),
        Case("PATCH", lambda w: "/api/v1/me", signed_in(200), body={"last_name": "Walker"}),
    ],
    "api/v1/me/tokens": [
        Case("GET", lambda w: "/api/v1/me/tokens", signed_in(200)),
        Case("POST", lambda w: "/api/v1/me/tokens", signed_in(201), body={"name": "walk"}),
    ],
    "api/v1/me/tokens/<token_id>": [
        Case("DELETE", lambda w: f"/api/v1/me/tokens/{w.token_of_guest_a()}", only_guest_a(204)),
    ],
}


# --- The host API (issue 4): the caller's own listings, photos, schedules and slots. ---------
# host_x owns every object below; host_y gets 404 (not theirs), guests and staff 403 (not hosts).
def only_host_x(status: int) -> dict[str, int]:
    return {**everyone(403), "anonymous": 401, "host_x": status, "host_y": 404}


def host_x_and_staff(status: int) -> dict[str, int]:
    """Staff whose permission lets them read any listing's (the table's staff have it only
    for a listing's figures, stats.view_listingday) answered as host_x."""
    return {**only_host_x(status), "staff": status}


HOST_LISTING_BODY: dict[str, Any] = {
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
HOST_RULE_BODY: dict[str, Any] = {
    "weekdays": [0, 1, 2, 3, 4, 5, 6],
    "start_times": ["10:00"],
    "valid_from": "2031-01-06",
    "valid_until": "2031-01-12",
    "capacity": 6,
}


def fresh_listing(w: World, status: str = Listing.Status.DRAFT) -> Listing:
    host = w.public_listing.host
    return ListingFactory.create(host=host, status=status, description="Along the harbour.")


def fresh_schedule(w: World) -> tuple[int, int]:
    listing = fresh_listing(w)
    schedule = Schedule.objects.create(
        listing=listing,
        weekdays=list(range(7)),
        start_times=[time(10)],
        valid_from=date(2031, 1, 6),
        valid_until=date(2031, 1, 12),
        capacity=6,
    )
    return listing.pk, schedule.pk


def fresh_exception(w: World) -> str:
    listing_id, schedule_id = fresh_schedule(w)
    exception = ScheduleException.objects.create(
        schedule_id=schedule_id, day=date(2031, 1, 7), action="cancel"
    )
    return f"{listing_id}/schedules/{schedule_id}/exceptions/{exception.pk}"


def fresh_photo(w: World) -> str:
    listing = fresh_listing(w)
    photo = ListingPhoto.objects.create(listing=listing, image="x.png", width=800, height=600)
    return f"{listing.pk}/photos/{photo.pk}"


def fresh_slot(w: World) -> str:
    listing = fresh_listing(w)
    return f"{listing.pk}/slots/{SlotFactory.create(listing=listing).pk}"


HOST = "/api/v1/host/listings"
HOSTING_TABLE: dict[str, list[Case]] = {
    "api/v1/host/listings": [
        # Every host lists and creates their own.
        Case("GET", lambda w: HOST, {**only_host_x(200), "host_y": 200}),
        Case("POST", lambda w: HOST, {**only_host_x(201), "host_y": 201}, HOST_LISTING_BODY),
    ],
    "api/v1/host/listings/<listing_id>": [
        Case("GET", lambda w: f"{HOST}/{w.draft_listing.pk}", only_host_x(200)),
        Case(
            "PUT",
            lambda w: f"{HOST}/{fresh_listing(w).pk}",
            only_host_x(200),
            body={**HOST_LISTING_BODY, "version": 1},
        ),
    ],
    # A listing's figures: its host's, and any listing's for staff given stats.view_listingday
    # (the page's rule, docs/hosting.md); another staff member is no host (403).
    "api/v1/host/listings/<listing_id>/stats": [
        Case("GET", lambda w: f"{HOST}/{w.public_listing.pk}/stats", host_x_and_staff(200)),
        Case(
            "GET",
            lambda w: f"{HOST}/{w.draft_listing.pk}/stats?from=2026-01-01",
            host_x_and_staff(200),
        ),
        Case("GET", lambda w: f"{HOST}/{w.draft_listing.pk + 1000}/stats", host_x_and_staff(404)),
        # A day that is no date is refused (the schema) before anyone's listing is read.
        Case(
            "GET",
            lambda w: f"{HOST}/{w.draft_listing.pk}/stats?from=2026-13-01",
            {**everyone(400), "anonymous": 401},
        ),
    ],
    "api/v1/host/listings/<listing_id>/submit": [
        Case("POST", lambda w: f"{HOST}/{fresh_listing(w).pk}/submit", only_host_x(200)),
    ],
    "api/v1/host/listings/<listing_id>/pause": [
        Case(
            "POST",
            lambda w: f"{HOST}/{fresh_listing(w, Listing.Status.PUBLISHED).pk}/pause",
            only_host_x(200),
        ),
    ],
    "api/v1/host/listings/<listing_id>/resume": [
        Case(
            "POST",
            lambda w: f"{HOST}/{fresh_listing(w, Listing.Status.PAUSED).pk}/resume",
            only_host_x(200),
        ),
    ],
    "api/v1/host/listings/<listing_id>/archive": [
        Case("POST", lambda w: f"{HOST}/{fresh_listing(w).pk}/archive", only_host_x(200)),
    ],
    "api/v1/host/listings/<listing_id>/photos": [
        Case("GET", lambda w: f"{HOST}/{w.draft_listing.pk}/photos", only_host_x(200)),
        # A JSON body carries no file: the owner is told so (400); nobody else learns anything.
        Case("POST", lambda w: f"{HOST}/{w.draft_listing.pk}/photos", only_host_x(400)),
    ],
    "api/v1/host/listings/<listing_id>/photos/<photo_id>": [
        Case("PATCH", lambda w: f"{HOST}/{fresh_photo(w)}", only_host_x(200), {"alt_text": "Pier"}),
        Case("DELETE", lambda w: f"{HOST}/{fresh_photo(w)}", only_host_x(204)),
    ],
    "api/v1/host/listings/<listing_id>/photo-order": [
        Case(
            "PUT",
            lambda w: f"{HOST}/{fresh_listing(w).pk}/photo-order",
            only_host_x(200),
            body={"photo_ids": []},
        ),
    ],
    "api/v1/host/listings/<listing_id>/schedules": [
        Case("GET", lambda w: f"{HOST}/{w.draft_listing.pk}/schedules", only_host_x(200)),
        Case(
            "POST",
            lambda w: f"{HOST}/{fresh_listing(w).pk}/schedules",
            only_host_x(201),
            body=HOST_RULE_BODY,
        ),
    ],
    "api/v1/host/listings/<listing_id>/schedules/<schedule_id>": [
        Case(
            "PUT",
            lambda w: "{}/{}/schedules/{}".format(HOST, *fresh_schedule(w)),
            only_host_x(200),
            body={**HOST_RULE_BODY, "version": 1},
        ),
        Case(
            "DELETE",
            lambda w: "{}/{}/schedules/{}".format(HOST, *fresh_schedule(w)),
            only_host_x(204),
        ),
    ],
    "api/v1/host/listings/<listing_id>/schedules/<schedule_id>/exceptions": [
        Case(
            "GET",
            lambda w: "{}/{}/schedules/{}/exceptions".format(HOST, *fresh_schedule(w)),
            only_host_x(200),
        ),
        Case(
            "POST",
            lambda w: "{}/{}/schedules/{}/exceptions".format(HOST, *fresh_schedule(w)),
            only_host_x(201),
            body={"day": "2031-01-08", "action": "cancel"},
        ),
    ],
    "api/v1/host/listings/<listing_id>/schedules/<schedule_id>/exceptions/<exception_id>": [
        Case("DELETE", lambda w: f"{HOST}/{fresh_exception(w)}", only_host_x(204)),
    ],
    "api/v1/host/listings/<listing_id>/slots": [
        Case("GET", lambda w: f"{HOST}/{w.draft_listing.pk}/slots", only_host_x(200)),
    ],
    "api/v1/host/listings/<listing_id>/slots/<slot_id>": [
        Case("PATCH", lambda w: f"{HOST}/{fresh_slot(w)}", only_host_x(200), {"capacity": 5}),
    ],
    "api/v1/host/listings/<listing_id>/slots/<slot_id>/cancel": [
        Case("POST", lambda w: f"{HOST}/{fresh_slot(w)}/cancel", only_host_x(200)),
    ],
}
TABLE.update(HOSTING_TABLE)


# --- Bookings (issue 7): guest_a owns every booking below, on host_x's listing. ---------------
def only_staff(status: int) -> dict[str, int]:
    return {**everyone(404), "anonymous": 401, "staff": status}


B = "/api/v1/bookings"
HB = "/api/v1/host/bookings"
BOOKINGS_TABLE: dict[str, list[Case]] = {
    "api/v1/bookings": [
        Case("GET", lambda w: B, signed_in(200)),
        Case("GET", lambda w: f"{B}?when=past", signed_in(200)),
        # host_x may not book their own listing (400); everyone else holds a seat.
        Case(
            "POST",
            lambda w: B,
            {**signed_in(201), "host_x": 400},
            body=lambda w: {"slot_id": w.public_slot.pk, "seats": 1},
            headers={"Idempotency-Key": "route-table"},
        ),
    ],
    "api/v1/bookings/<reference>": [
        Case("GET", lambda w: f"{B}/{w.booking_of_guest_a()}", only_guest_a(200)),
    ],
    "api/v1/bookings/<reference>/confirm": [
        Case("POST", lambda w: f"{B}/{w.booking_of_guest_a()}/confirm", only_guest_a(200)),
    ],
    "api/v1/bookings/<reference>/cancel": [
        Case("POST", lambda w: f"{B}/{w.booking_of_guest_a()}/cancel", only_guest_a(200)),
    ],
    "api/v1/bookings/<reference>/transfer": [
        Case(
            "POST",
            lambda w: f"{B}/{w.booking_of_guest_a(confirm=True)}/transfer",
            only_guest_a(202),
            body={"to_email": "friend@example.org"},
        ),
        Case(
            "DELETE",
            lambda w: f"{B}/{w.booking_of_guest_a(confirm=True)}/transfer",
            only_guest_a(204),
        ),
    ],
    "api/v1/transfers/<secret>/accept": [
        # Only the address it was sent to may take it (guest_b); anyone else signed in: 404.
        Case(
            "POST",
            lambda w: f"/api/v1/transfers/{w.transfer_to_guest_b()}/accept",
            {**everyone(404), "anonymous": 401, "guest_b": 200},
        ),
    ],
    "api/v1/slots/<slot_id>/waitlist": [
        # host_x may not wait for their own date (400, as when booking it).
        Case(
            "POST",
            lambda w: f"/api/v1/slots/{w.full_slot()}/waitlist",
            {**signed_in(201), "host_x": 400},
            body={"seats": 1},
        ),
    ],
    "api/v1/waitlist": [Case("GET", lambda w: "/api/v1/waitlist", signed_in(200))],
    "api/v1/waitlist/<entry_id>": [
        Case(
            "DELETE",
            lambda w: f"/api/v1/waitlist/{w.waitlist_entry_of_guest_a()}",
            only_guest_a(204),
        ),
    ],
    "api/v1/staff/bookings/<reference>/cancel": [
        Case(
            "POST",
            lambda w: f"/api/v1/staff/bookings/{w.booking_of_guest_a()}/cancel",
            only_staff(200),
            body={"reason": "Checked."},
        ),
    ],
    "api/v1/host/bookings": [
        Case("GET", lambda w: HB, {**only_host_x(200), "host_y": 200}),
    ],
    "api/v1/host/bookings/<reference>": [
        Case("GET", lambda w: f"{HB}/{w.booking_of_guest_a()}", only_host_x(200)),
    ],
    "api/v1/host/bookings/<reference>/accept": [
        Case(
            "POST",
            lambda w: f"{HB}/{w.booking_of_guest_a(instant=False)}/accept",
            only_host_x(200),
        ),
    ],
    "api/v1/host/bookings/<reference>/decline": [
        Case(
            "POST",
            lambda w: f"{HB}/{w.booking_of_guest_a(instant=False)}/decline",
            only_host_x(200),
            body={"reason": "Full."},
        ),
    ],
    "api/v1/host/bookings/<reference>/cancel": [
        Case(
            "POST",
            lambda w: f"{HB}/{w.booking_of_guest_a(confirm=True)}/cancel",
            only_host_x(200),
            body={"reason": "Storm."},
        ),
    ],
    "api/v1/host/slots/<slot_id>/roster": [
        Case(
            "GET",
            lambda w: f"/api/v1/host/slots/{w.public_slot.pk}/roster",
            only_host_x(200),
        ),
    ],
}
TABLE.update(BOOKINGS_TABLE)


def api_routes() -> set[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return {route for route in walk(get_resolver().url_patterns, "") if route.startswith("api/")}


@pytest.fixture
def world(db: Any) -> World:
    host_x = HostProfileFactory.create(user__username="host_x")
    host_y = HostProfileFactory.create(user__username="host_y")
    users: dict[str, User] = {
        "guest_a": UserFactory.create(username="guest_a"),
        "guest_b": UserFactory.create(username="guest_b"),
        "host_x": host_x.user,
        "host_y": host_y.user,
        "staff": UserFactory.create(
            username="staff",
            is_staff=True,
            password="a-long-pass-phrase-9",  # the session gives it to create a token
            permissions=["bookings.change_booking", "stats.view_listingday"],
        ),
    }
    public = ListingFactory.create(host=host_x)
    public_slot = SlotFactory.create(listing=public)
    draft = ListingFactory.create(host=host_x, status=Listing.Status.DRAFT)
    SlotFactory.create(listing=draft)
    ListingFactory.create(host=host_y)
    return World(users=users, public_listing=public, public_slot=public_slot, draft_listing=draft)


def client_for(role: str, world: World) -> Client:
    if role == "anonymous":
        return Client()
    user = world.users[role]
    if role == "staff":  # one role through the site's session, the others through tokens
        client = Client()
        client.force_login(user)
        return reauthenticated(client)  # a session creates tokens after giving the password
    secret = account_services.create_api_token(user=user, name="role").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


def call(
    client: Client,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str] | None = None,
) -> int:
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if body is not None or method in ("POST", "PUT", "PATCH"):
        kwargs.update(data=body or {}, content_type="application/json")
    return int(getattr(client, method.lower())(path, **kwargs).status_code)


def test_every_api_route_is_in_the_table():
    routes = api_routes()

    assert routes - TABLE.keys() == set(), "add these routes to TABLE"
    assert TABLE.keys() - routes == set(), "TABLE names routes that do not exist"


@override_settings(STORAGES=PLAIN_STATIC)
@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(world, role):
    client = client_for(role, world)
    results = {}
    expected = {}
    for route, cases in TABLE.items():
        for index, case in enumerate(cases):
            path = case.path(world)
            body = case.body(world) if callable(case.body) else case.body
            results[(route, index, case.method)] = call(
                client, case.method, path, body, case.headers
            )
            expected[(route, index, case.method)] = case.expected[role]
        listed = {case.method for case in cases}
        for method in METHODS:
            if method not in listed:
                path = cases[0].path(world)
                results[(route, -1, method)] = call(client, method, path, None)
                expected[(route, -1, method)] = 405

    assert results == expected


@pytest.mark.parametrize("role", ["guest_b", "host_x", "staff"])
def test_nobody_sees_another_users_tokens(world, role):
    secret = account_services.create_api_token(user=world.users["guest_a"], name="a's").secret
    client = client_for(role, world)

    listed = client.get("/api/v1/me/tokens").json()["items"]
    me = client.get("/api/v1/me").json()

    assert "a's" not in {item["name"] for item in listed}
    assert secret[:12] not in {item["prefix"] for item in listed}
    assert me["id"] == world.users[role].pk
    assert ApiToken.objects.filter(user=world.users["guest_a"], revoked_at=None).count() == 1
