"""Review of live notifications (session 20): a listing page's socket that joins while its
listing leaves the site.

ListingConsumer checked that the listing was public and then joined its group. A listing
archived (or paused) between the two announced "gone" to the group before the socket was in
it: the socket was accepted, heard nothing, and stayed open on a listing that is not public,
receiving whatever the group carried later. Two real consumers through Channels' communicator
and the Redis channel layer; the archive is made to commit right after the check (the hook
wraps the check and calls the real one)."""

import asyncio
import uuid
from collections.abc import Callable

import pytest
import redis
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from config.asgi import application
from outings.catalog.models import Listing
from outings.catalog.services import archive_listing, pause_listing
from outings.catalog.tests.factories import ListingFactory
from outings.notifications import consumers, live
from outings.notifications.tests.test_review_session19_live import ORIGIN, redis_layers

pytestmark = pytest.mark.django_db(transaction=True)
CLOSED_GONE = {"type": "websocket.close", "code": consumers.NOT_FOUND}


@pytest.fixture(autouse=True)
def _close_thread_connections():
    yield
    asyncio.run(database_sync_to_async(connections.close_all)())


def archive(listing: Listing) -> None:
    host = listing.host
    archive_listing(host=host, listing_id=listing.pk, actor=host.user, now=timezone.now())


def pause(listing: Listing) -> None:
    pause_listing(host=listing.host, listing_id=listing.pk, actor=listing.host.user)


@pytest.mark.parametrize("take_off", [archive, pause], ids=["archived", "paused"])
def test_a_socket_joining_as_its_listing_leaves_the_site_is_closed_like_the_open_ones(
    monkeypatch: pytest.MonkeyPatch, take_off: Callable[[Listing], None]
):
    listing = ListingFactory.create()
    path = f"/ws/listings/{listing.pk}/"
    real_check = consumers._is_public_listing

    async def scenario() -> tuple[dict[str, object], dict[str, object]]:
        watching = WebsocketCommunicator(application, path, [ORIGIN])
        assert (await watching.connect())[0]
        heard: dict[str, object] = {}

        async def taken_off_right_after_the_check(listing_id: int) -> bool:
            public = await real_check(listing_id)

            def change() -> None:
                try:
                    take_off(listing)
                finally:
                    connections.close_all()

            await asyncio.to_thread(change)
            # The open socket is closed: the "gone" event has been through the layer.
            heard.update(await watching.receive_output(timeout=5))
            return public

        monkeypatch.setattr(consumers, "_is_public_listing", taken_off_right_after_the_check)
        joining = WebsocketCommunicator(application, path, [ORIGIN])
        connected, code = await joining.connect(timeout=5)
        if connected:
            # Accepted: it must be closed as the open one was, not left listening.
            try:
                ended = await joining.receive_output(timeout=2)
            except TimeoutError:  # the communicator stops the consumer
                ended = {"type": "still open"}
            else:
                await joining.disconnect()
        else:
            ended = {"type": "websocket.close", "code": code}
        return heard, ended

    with override_settings(CHANNEL_LAYERS=redis_layers(f"test-{uuid.uuid4().hex}")):
        heard, ended = asyncio.run(scenario())

    assert heard == CLOSED_GONE
    assert ended == CLOSED_GONE


def test_a_refused_listing_socket_leaves_no_membership_behind():
    """It joins before the check now: refused, it leaves the group it joined."""
    draft = ListingFactory.create(status=Listing.Status.DRAFT)
    prefix = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)

    async def scenario() -> tuple[bool, int | None]:
        socket = WebsocketCommunicator(application, f"/ws/listings/{draft.pk}/", [ORIGIN])
        connected, code = await socket.connect(timeout=10)
        return bool(connected), code

    with override_settings(CHANNEL_LAYERS=redis_layers(prefix)):
        assert asyncio.run(scenario()) == (False, consumers.NOT_FOUND)

    assert client.zcard(f"{prefix}:asgi:group:{live.listing_group(draft.pk)}") == 0


@pytest.mark.parametrize("number", ["9" * 12, "9" * 20, "9" * 120])
def test_a_socket_for_a_number_no_listing_can_have_is_closed_with_4404(number: str):
    """Past the integer column's range, and longer than a group name may be: refused as any
    listing that is not public, never an error."""

    async def scenario() -> tuple[bool, int | None]:
        socket = WebsocketCommunicator(application, f"/ws/listings/{number}/", [ORIGIN])
        connected, code = await socket.connect(timeout=10)
        return bool(connected), code

    with override_settings(CHANNEL_LAYERS=redis_layers(f"test-{uuid.uuid4().hex}")):
        assert asyncio.run(scenario()) == (False, consumers.NOT_FOUND)
