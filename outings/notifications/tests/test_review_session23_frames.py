"""Review of the live sockets' client frames (session 23). A frame under the 4 KiB limit that
nests JSON arrays or objects a few thousand deep (`[[[[…`) made json.loads raise RecursionError,
which the consumer did not catch (it caught ValueError alone): the consumer crashed, the server
closed the socket with 1011 and logged a traceback, where every other malformed frame gets an
error frame and the socket stays open (test_consumers.py). Such a frame is now refused as not
JSON, on either socket, and the socket goes on answering pings.

Real consumers through Channels' communicator (config.asgi's whole stack: origin check,
session, routing)."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from outings.catalog.tests.factories import ListingFactory
from outings.notifications.tests.test_consumers import (  # noqa: F401  (an autouse fixture)
    ORIGIN,
    _close_thread_connections,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

NESTED = [
    "[" * 4000,  # unterminated
    "[" * 2000 + "]" * 2000,  # well-formed JSON, 4,000 bytes
    '{"":[' * 800,  # objects and arrays
]


@pytest.mark.parametrize("frame", NESTED, ids=["open-arrays", "closed-arrays", "mixed"])
@pytest.mark.parametrize("socket_of", ["notifications", "listing"])
def test_deeply_nested_json_is_refused_and_the_socket_stays_open(guest, frame, socket_of, caplog):
    assert len(frame.encode()) <= 4096  # under the size limit: it reaches the parser
    if socket_of == "notifications":
        path, headers = "/ws/notifications/", [ORIGIN, session_cookie(guest)]
    else:
        path, headers = f"/ws/listings/{ListingFactory.create().pk}/", [ORIGIN]

    async def scenario():
        socket = WebsocketCommunicator(application, path, headers=headers)
        assert (await socket.connect(timeout=5))[0]
        await socket.send_to(text_data=frame)
        refusal = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return refusal, pong

    refusal, pong = asyncio.run(scenario())
    assert refusal == {"type": "error", "code": "not_json"}
    assert pong == {"type": "pong"}
    assert "refused a client message (not_json" in caplog.text
    assert "Traceback" not in caplog.text
