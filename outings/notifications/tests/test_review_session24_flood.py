"""Review of how many messages a live socket answers (session 24). A client only ever sends a
ping, every 25 s (live.js), but a socket answered whatever came, as fast as it came: each ping
on a listing's socket (anyone's, no sign-in) cost a database read of the listing and a channel
layer write, each on the notifications socket a session read, all of them through asgiref's one
shared thread for the database, which every other socket of the server waits on too; and each
malformed frame wrote a warning to the log. One visitor's script could keep a websocket server's
database thread busy and its log growing, for as long as it liked.

A socket now takes WEBSOCKET_MAX_MESSAGES_PER_MINUTE messages in any minute (20: eight times
live.js's pace); the next one is not read: it is logged once and the socket closed with 1008
(policy violation). A page that keeps to its pace is answered as before.

Through config.asgi's application and Channels' communicator: the real consumers, behind the
origin check, the session and the routing, as a browser reaches them."""

import asyncio
import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from outings.catalog.tests.factories import ListingFactory
from outings.notifications.tests.test_consumers import (  # noqa: F401  (an autouse fixture)
    ORIGIN,
    _close_thread_connections,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

FLOOD = 200
PING = json.dumps({"type": "ping"})


def _path_and_headers(socket_of: str, guest) -> tuple[str, list[tuple[bytes, bytes]]]:
    if socket_of == "notifications":
        return "/ws/notifications/", [ORIGIN, session_cookie(guest)]
    return f"/ws/listings/{ListingFactory.create().pk}/", [ORIGIN]


def _send(socket_of: str, guest, frame: str, count: int) -> tuple[list[dict[str, Any]], bool]:
    """`count` copies of `frame` sent at once on a new socket: what the server sent back for
    them (an answer each, until it closed the socket), and whether it then stayed quiet."""
    path, headers = _path_and_headers(socket_of, guest)

    async def scenario() -> tuple[list[dict[str, Any]], bool]:
        socket = WebsocketCommunicator(application, path, headers=headers)
        assert (await socket.connect(timeout=5))[0]
        for _ in range(count):
            await socket.send_to(text_data=frame)
        answers: list[dict[str, Any]] = []
        while len(answers) < count:
            output = await socket.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                answers.append({"closed": output.get("code")})
                break
            answers.append(json.loads(output["text"]))
        quiet = answers[-1] == {"closed": 1008} or await socket.receive_nothing(timeout=1)
        await socket.disconnect()
        return answers, quiet

    return asyncio.run(scenario())


@pytest.mark.parametrize("frame", [PING, "not json"], ids=["pings", "garbage"])
@pytest.mark.parametrize("socket_of", ["notifications", "listing"])
def test_a_flood_of_messages_is_answered_up_to_the_budget_then_the_socket_is_closed(
    guest, socket_of, frame, caplog
):
    budget = settings.WEBSOCKET_MAX_MESSAGES_PER_MINUTE

    answers, _ = _send(socket_of, guest, frame, FLOOD)

    assert len(answers) == budget + 1
    assert answers[-1] == {"closed": 1008}
    assert len(caplog.records) <= budget + 1  # a warning a refused frame, one for the close


@pytest.mark.parametrize("socket_of", ["notifications", "listing"])
def test_a_socket_within_its_budget_is_answered_every_time_and_stays_open(guest, socket_of):
    budget = settings.WEBSOCKET_MAX_MESSAGES_PER_MINUTE

    answers, quiet = _send(socket_of, guest, PING, budget)

    assert answers == [{"type": "pong"}] * budget
    assert quiet  # not closed
