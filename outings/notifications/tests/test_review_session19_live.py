"""A socket that stays open keeps receiving: its group membership is renewed by the pings the
page sends every 25 s (live.js), in both channel layers.

channels_redis drops a membership `group_expiry` (a day) after it was added, and Redis forgets
every membership when it restarts without persistence; the PostgreSQL layer's cleaner deleted
memberships a day old. A host's dashboard left open overnight, pinging and answered, then got
no event again until it was reloaded."""

import asyncio
import uuid
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_postgres import db as postgres_db
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings

from config.asgi import application
from outings.catalog.tests.factories import ListingFactory
from outings.notifications import live, tasks

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")
SEATS = {"type": "seats", "listing": 0, "slot": 1, "seats_left": 3, "change": 7}


@pytest.fixture(autouse=True)
def _close_thread_connections():
    yield
    asyncio.run(database_sync_to_async(connections.close_all)())


def redis_layers(prefix: str, **config: Any) -> dict[str, Any]:
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"{prefix}:asgi", **config},
        }
    }


async def ping(socket: WebsocketCommunicator) -> None:
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=2) == {"type": "pong"}


async def publish(group: str) -> None:
    await get_channel_layer().group_send(group, {"type": live.EVENT_HANDLER, "event": SEATS})


def test_a_socket_open_longer_than_the_group_expiry_still_receives_events():
    """A day scaled down to 2 s: the socket pings as live.js does, and still hears the seats."""
    listing = ListingFactory.create()
    group = live.listing_group(listing.pk)

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/listings/{listing.pk}/", [ORIGIN])
        assert (await socket.connect())[0]
        for _ in range(3):
            await asyncio.sleep(1.1)
            await ping(socket)
        await publish(group)
        event = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return event

    with override_settings(CHANNEL_LAYERS=redis_layers(f"test-{uuid.uuid4().hex}", group_expiry=2)):
        assert asyncio.run(scenario()) == SEATS


def test_a_socket_receives_events_again_after_redis_forgot_its_group():
    """What a Redis restart without persistence does to every group: the next ping puts the
    socket back in its own."""
    listing = ListingFactory.create()
    group = live.listing_group(listing.pk)
    prefix = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/listings/{listing.pk}/", [ORIGIN])
        assert (await socket.connect())[0]
        assert client is not None
        assert client.delete(f"{prefix}:asgi:group:{group}") == 1
        await ping(socket)
        await publish(group)
        event = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return event

    with override_settings(CHANNEL_LAYERS=redis_layers(prefix)):
        assert asyncio.run(scenario()) == SEATS


def postgres_layers(prefix: str) -> dict[str, Any]:
    database = settings.DATABASES["default"]
    return {
        "default": {
            "BACKEND": "outings.notifications.layers.PostgresChannelLayer",
            "CONFIG": {
                **{k: v for k, v in database.items() if k != "OPTIONS"},
                "NAME": connection.settings_dict["NAME"],
                "TIME_ZONE": None,
                "prefix": f"{prefix}:asgi",
                "expiry": 10,
                "PSYCOPG_OPTIONS": {"min_size": 1, "max_size": 2},
            },
        }
    }


def memberships(group_key: str) -> list[tuple[str, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT channel, expire > now() - interval '1 hour'"
            " FROM channels_postgres_groupchannel WHERE group_key = %s",
            [group_key],
        )
        return list(cursor.fetchall())


def test_with_the_postgres_layer_a_pinging_socket_outlives_the_daily_clean_up():
    listing = ListingFactory.create()
    group = live.listing_group(listing.pk)
    prefix = f"test-{uuid.uuid4().hex}"
    group_key = f"{prefix}:asgi:group:{group}"
    seen: dict[str, Any] = {}

    def two_days_pass() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE channels_postgres_groupchannel SET expire = now() - interval '2 days'"
                " WHERE group_key = %s",
                [group_key],
            )
        connections.close_all()

    def clean_up() -> None:
        seen["rows"] = memberships(group_key)
        tasks.clean_live_messages()
        connections.close_all()

    async def scenario():
        try:
            socket = WebsocketCommunicator(application, f"/ws/listings/{listing.pk}/", [ORIGIN])
            assert (await socket.connect())[0]
            await asyncio.to_thread(two_days_pass)
            await ping(socket)
            await ping(socket)
            await asyncio.to_thread(clean_up)
            await publish(group)
            event = await socket.receive_json_from(timeout=5)
            await socket.disconnect()
            return event
        finally:
            if postgres_db.connection_pool is not None:  # let the test database be dropped
                await postgres_db.connection_pool.close()
                postgres_db.connection_pool = None

    with override_settings(CHANNEL_LAYERS=postgres_layers(prefix)):
        event = asyncio.run(scenario())

    assert event == SEATS
    assert [fresh for _, fresh in seen["rows"]] == [True]  # renewed in place, not one per ping
