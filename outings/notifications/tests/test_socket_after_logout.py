"""A notifications socket stops hearing the user's private events once the session that opened
it is gone (a logout; a password change, which ends the user's other sessions; a deactivation):
a stolen session cookie must not keep a live feed of the victim's events after the victim
logged the thief out."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import Client, override_settings

from config.asgi import application
from outings.catalog.tests.factories import UserFactory
from outings.notifications import services

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def _close_thread_connections():
    yield
    asyncio.run(database_sync_to_async(connections.close_all)())


@pytest.fixture(autouse=True)
def _in_memory_channel_layer():
    with override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ):
        yield


def test_a_socket_stops_hearing_private_events_once_its_session_is_logged_out(nudges):
    victim = UserFactory.create()
    client = Client()
    client.force_login(victim)
    session_key = client.cookies["sessionid"].value
    cookie = (b"cookie", f"sessionid={session_key}".encode())

    def log_out_and_notify() -> bool:
        try:
            client.logout()
            gone = not Session.objects.filter(session_key=session_key).exists()
            services.notify(
                user=victim,
                kind="booking.received",
                data={"guest": "Ann Example", "seats": 2, "listing": "Harbour walk"},
            )
            return gone
        finally:
            connections.close_all()

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, cookie])
        assert (await socket.connect())[0]
        # The session is ended (logout, or every session flushed after a password change).
        gone = await asyncio.to_thread(log_out_and_notify)
        output = await socket.receive_output(timeout=1)
        await socket.disconnect()
        return gone, output

    gone, output = asyncio.run(scenario())
    assert gone
    # Closed as not signed in, instead of being sent the user's private notification.
    assert output == {"type": "websocket.close", "code": 4401}
