"""Review of websocket addresses that no consumer serves (session 24). Channels' URLRouter raises
ValueError ("No route found for path") for them: the ASGI server logged "Exception in ASGI
application" with a traceback and answered the handshake 500, for `/ws/listings/abc/`, a
mistyped `/ws/notification/` or any address a scanner tries. Such a socket is now refused as a
listing that does not exist is, closed with 4404 before it is accepted (a 403 to the
handshake), and nothing is logged as an error.

Through config.asgi's application and Channels' communicator: the whole stack (origin check,
session, routing), as a browser reaches it."""

import asyncio
import logging

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from outings.notifications.tests.test_consumers import (  # noqa: F401  (an autouse fixture)
    ORIGIN,
    _close_thread_connections,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "path",
    ["/ws/listings/abc/", "/ws/listings/-1/", "/ws/notification/", "/ws/", "/wp-login.php"],
)
def test_a_socket_to_an_address_no_consumer_serves_is_refused_with_4404(path, caplog):
    async def scenario():
        socket = WebsocketCommunicator(application, path, headers=[ORIGIN])
        answer = await socket.connect(timeout=5)
        await socket.wait()
        return answer

    with caplog.at_level(logging.INFO):
        answer = asyncio.run(scenario())

    assert answer == (False, 4404)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_listing_socket_is_still_served():
    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/listings/999999/", headers=[ORIGIN])
        answer = await socket.connect(timeout=5)
        await socket.wait()
        return answer

    assert asyncio.run(scenario()) == (False, 4404)  # routed: its consumer found no listing
