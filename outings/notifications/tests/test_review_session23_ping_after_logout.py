"""Review of the notifications socket's pings once its session ended (session 23). Each event
reads the session first and closes the socket with 4401 instead of sending it
(test_socket_after_logout.py), but a ping did not: a socket whose session was logged out (in
another tab, or by a password change that gave the browser a new session) was answered "pong"
and put back in the user's group every 25 s, for as long as the page stayed open, until an
event happened to come. A ping now reads the session as an event does: ended, the socket is
closed with 4401 and leaves the group (the page then connects again only if the browser is
still signed in, live.js); still signing its user in, it is answered as before.

Real consumers through Channels' communicator (config.asgi's whole stack), the session store
of the settings (cache and PostgreSQL)."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from config.asgi import application
from outings.catalog.tests.factories import UserFactory
from outings.notifications import live
from outings.notifications.tests.test_consumers import (  # noqa: F401  (an autouse fixture)
    ORIGIN,
    _close_thread_connections,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _signed_in() -> tuple[Client, tuple[bytes, bytes]]:
    client = Client()
    client.force_login(UserFactory.create())
    return client, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def _log_out(client: Client) -> None:
    try:
        client.logout()
    finally:
        connections.close_all()


def test_a_ping_after_the_session_was_logged_out_closes_the_socket_and_leaves_the_group():
    client, cookie = _signed_in()
    user_id = int(client.session["_auth_user_id"])

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, cookie])
        assert (await socket.connect(timeout=5))[0]
        await socket.send_json_to({"type": "ping"})
        before = await socket.receive_json_from(timeout=5)
        await asyncio.to_thread(_log_out, client)
        await socket.send_json_to({"type": "ping"})
        after = await socket.receive_output(timeout=5)
        # Out of the group when it closes (before the server reports the disconnect).
        members = dict(get_channel_layer().groups.get(live.user_group(user_id), {}))
        await socket.disconnect()
        return before, after, members

    before, after, members = asyncio.run(scenario())
    assert before == {"type": "pong"}
    assert after == {"type": "websocket.close", "code": 4401}
    assert not members


def test_a_ping_while_the_session_still_signs_in_is_answered():
    _, cookie = _signed_in()

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, cookie])
        assert (await socket.connect(timeout=5))[0]
        pongs = []
        for _ in range(2):
            await socket.send_json_to({"type": "ping"})
            pongs.append(await socket.receive_json_from(timeout=5))
        await socket.disconnect()
        return pongs

    assert asyncio.run(scenario()) == [{"type": "pong"}, {"type": "pong"}]
