"""Review of live sockets (session 21): a ping puts a socket back in its group (its membership
may have expired, or Redis forgot it: test_review_session19_live.py). A listing page's socket
that was out of its group when the listing left the site never heard "gone", and its next ping
put it back in the group of a listing that is no longer public: it stayed open and received that
listing's seat changes (a guest's cancellation on a paused listing) for as long as the page was
open. A ping now checks the listing again, as a new socket's connect does: closed with 4404. A
public listing's ping still renews: test_review_session19_live.py, unchanged.

Real consumers through Channels' communicator and the Redis channel layer."""

import asyncio
import uuid

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import override_settings

from config.asgi import application
from outings.catalog.tests.factories import ListingFactory
from outings.notifications import live
from outings.notifications.tests.test_review_session19_live import (
    ORIGIN,
    publish,
    redis_layers,
)
from outings.notifications.tests.test_review_session20_live import CLOSED_GONE, pause

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_thread_connections():
    yield
    asyncio.run(database_sync_to_async(connections.close_all)())


def test_a_ping_on_a_listing_that_left_the_site_while_the_socket_was_out_of_its_group_closes_it():
    listing = ListingFactory.create()
    group = live.listing_group(listing.pk)
    prefix = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None

    async def scenario() -> tuple[dict[str, object], dict[str, object]]:
        socket = WebsocketCommunicator(application, f"/ws/listings/{listing.pk}/", [ORIGIN])
        assert (await socket.connect(timeout=10))[0]
        assert client is not None
        # Redis restarted (or the membership expired): the socket is in no group.
        assert client.delete(f"{prefix}:asgi:group:{group}") == 1
        # A channel of the test's own in the group, to know when "gone" has been through it
        # (it is published after commit from another thread).
        layer = get_channel_layer()
        watcher = await layer.new_channel()
        await layer.group_add(group, watcher)

        def change() -> None:
            try:
                pause(listing)  # its "gone" goes to a group the socket is not in
            finally:
                connections.close_all()

        await asyncio.to_thread(change)
        gone = await asyncio.wait_for(layer.receive(watcher), timeout=5)
        assert gone["event"] == {"type": "gone", "listing": listing.pk}
        await layer.group_discard(group, watcher)
        await socket.send_json_to({"type": "ping"})
        answer = await socket.receive_output(timeout=5)
        await publish(group)  # a guest cancels on the paused listing: its seats change
        try:
            after = await socket.receive_output(timeout=1)
        except TimeoutError:  # the communicator stops the consumer
            after = {"type": "nothing"}
        return answer, after

    with override_settings(CHANNEL_LAYERS=redis_layers(prefix)):
        answer, after = asyncio.run(scenario())

    assert answer == CLOSED_GONE
    assert after == {"type": "nothing"}
    assert client is not None
    assert client.zcard(f"{prefix}:asgi:group:{group}") == 0
