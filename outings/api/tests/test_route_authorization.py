"""Every route under /api/v1/, every method, every role: the expected status, from one table.

The test walks the URLconf, so a new route fails here until it has a row; a new method on an
existing route fails too, because every method not in the table must answer 405. Another user's
private object answers 404, never 403.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User
from outings.api.tests.factories import HostProfileFactory, ListingFactory, SlotFactory, UserFactory
from outings.catalog.models import Listing

ROLES = ("anonymous", "guest_a", "guest_b", "host_x", "host_y", "staff")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@dataclass
class World:
    users: dict[str, User]
    public_listing: Listing
    draft_listing: Listing

    def token_of_guest_a(self) -> int:
        issued = account_services.create_api_token(user=self.users["guest_a"], name="walk")
        return issued.token.pk


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    body: dict[str, Any] | None = None


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401}


def only_guest_a(status: int) -> dict[str, int]:
    return {**everyone(404), "anonymous": 401, "guest_a": status}


TABLE: dict[str, list[Case]] = {
    "api/v1/": [Case("GET", lambda w: "/api/v1/", everyone(404))],
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
        "staff": UserFactory.create(username="staff", is_staff=True),
    }
    public = ListingFactory.create(host=host_x)
    SlotFactory.create(listing=public)
    draft = ListingFactory.create(host=host_x, status=Listing.Status.DRAFT)
    SlotFactory.create(listing=draft)
    ListingFactory.create(host=host_y)
    return World(users=users, public_listing=public, draft_listing=draft)


def client_for(role: str, world: World) -> Client:
    if role == "anonymous":
        return Client()
    user = world.users[role]
    if role == "staff":  # one role through the site's session, the others through tokens
        client = Client()
        client.force_login(user)
        return client
    secret = account_services.create_api_token(user=user, name="role").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


def call(client: Client, method: str, path: str, body: dict[str, Any] | None) -> int:
    kwargs: dict[str, Any] = {}
    if body is not None or method in ("POST", "PUT", "PATCH"):
        kwargs = {"data": body or {}, "content_type": "application/json"}
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
            results[(route, index, case.method)] = call(client, case.method, path, case.body)
            expected[(route, index, case.method)] = case.expected[role]
        listed = {case.method for case in cases}
        for method in METHODS:
            if method not in listed:
                path = cases[0].path(world)
                results[(route, -1, method)] = call(client, method, path, None)
                expected[(route, -1, method)] = 404 if route == "api/v1/" else 405

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
