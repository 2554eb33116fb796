"""The websockets, as every role, through the channel layer the site runs on (Redis, or
PostgreSQL without REDIS_URL), under a prefix of this test's own: a socket hears only its own
user's events (a host's board, their dashboard and rosters, is their user's group), whatever
the client puts in the path or sends; a listing's seats only while the listing is public."""

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from channels_postgres import db as postgres_db
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings
from django.utils import timezone

from config.asgi import application
from outings.bookings import services as booking_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.outbox.testing import deliver
from tests.live_gunicorn import private_channel_layers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]
ORIGIN = (b"origin", b"http://testserver")
ROLES = ("guest_a", "guest_b", "host_x", "host_y", "staff")


@pytest.fixture(autouse=True)
def _private_layer() -> Any:
    _, layers = private_channel_layers(settings.CHANNEL_LAYERS)
    with override_settings(CHANNEL_LAYERS=layers):
        yield
    asyncio.run(database_sync_to_async(connections.close_all)())


def cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def socket(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])


async def _close_pool() -> None:
    if postgres_db.connection_pool is not None:  # let the test database be dropped
        await postgres_db.connection_pool.close()
        postgres_db.connection_pool = None


@pytest.fixture
def people() -> dict[str, Any]:
    host_x, host_y = HostProfileFactory.create(), HostProfileFactory.create()
    return {
        "guest_a": UserFactory.create(),
        "guest_b": UserFactory.create(),
        "host_x": host_x.user,
        "host_y": host_y.user,
        "staff": UserFactory.create(is_staff=True, is_superuser=True),
    }


def test_a_hosts_board_events_reach_that_host_alone(people):
    host_y = people["host_y"].host_profile
    slot = SlotFactory.create(listing=ListingFactory.create(host=host_y))
    cookies = {role: cookie(user) for role, user in people.items()}
    others = [role for role in ROLES if role not in ("host_y", "guest_b")]

    def book() -> str:
        guest, now = people["guest_b"], timezone.now()
        try:
            booking = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
            booking_services.confirm_booking(guest=guest, reference=booking.reference, now=now)
            deliver("urgent")  # the confirmation's outbox row, as a worker would
            return booking.reference
        finally:
            connections.close_all()  # this thread's: let the test database be dropped

    async def scenario() -> tuple[Any, ...]:
        sockets = {role: socket("/ws/notifications/", cookies[role]) for role in ROLES}
        # A path that names someone else changes nothing: the group comes from the session.
        nosy = socket(f"/ws/notifications/?user={people['host_y'].pk}", cookies["host_x"])
        for one in [*sockets.values(), nosy]:
            assert (await one.connect())[0]
        await nosy.send_json_to({"type": "subscribe", "group": f"user.{people['host_y'].pk}"})
        refused = await nosy.receive_json_from(timeout=2)
        reference = await asyncio.to_thread(book)
        heard = [await sockets["host_y"].receive_json_from(timeout=5)]
        while not await sockets["host_y"].receive_nothing(timeout=1):
            heard.append(await sockets["host_y"].receive_json_from(timeout=2))
        silent = {role: await sockets[role].receive_nothing(timeout=0.5) for role in others}
        silent["nosy"] = await nosy.receive_nothing(timeout=0.5)
        for one in [*sockets.values(), nosy]:
            await one.disconnect()
        await _close_pool()
        return reference, heard, silent, refused

    reference, heard, silent, refused = asyncio.run(scenario())

    assert {"type": "booking", "reference": reference, "event": "confirmed"} in [
        {k: event.get(k) for k in ("type", "reference", "event")} for event in heard
    ]
    assert silent == dict.fromkeys([*silent], True)
    assert refused == {"type": "error", "code": "unknown_message"}


def test_an_anonymous_socket_hears_no_ones_events():
    async def scenario() -> tuple[bool, int | None]:
        anonymous = socket("/ws/notifications/")
        connected, code = await anonymous.connect()
        await _close_pool()
        return connected, code

    assert asyncio.run(scenario()) == (False, 4401)


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_a_listing_that_is_not_public_has_no_socket_even_for_its_host(people, role):
    host_y = people["host_y"].host_profile
    public = ListingFactory.create(host=host_y)
    draft = ListingFactory.create(host=host_y, status=Listing.Status.DRAFT)
    headers = [] if role == "anonymous" else [cookie(people[role])]

    async def scenario() -> tuple[Any, Any]:
        seats = socket(f"/ws/listings/{public.pk}/", *headers)
        hidden = socket(f"/ws/listings/{draft.pk}/", *headers)
        opened = await seats.connect()
        refused = await hidden.connect()
        await seats.disconnect()
        await _close_pool()
        return opened, refused

    opened, refused = asyncio.run(scenario())

    assert opened[0] is True
    assert refused == (False, 4404)
