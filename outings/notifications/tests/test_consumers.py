import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.db import connections
from django.test import Client
from django.utils import timezone

from config.asgi import application
from outings.accounts.services import suspend_host
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory
from outings.notifications import live, services

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def _close_thread_connections():
    """Consumers query from asgiref's shared sync thread; close its connection afterwards so
    that the test database can be dropped."""
    yield
    asyncio.run(database_sync_to_async(connections.close_all)())


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def run(coroutine):
    return asyncio.run(coroutine)


def connect(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])


def test_an_anonymous_socket_is_closed_with_4401():
    async def scenario():
        socket = connect("/ws/notifications/")
        connected, code = await socket.connect()
        return connected, code

    assert run(scenario()) == (False, 4401)


def test_a_socket_from_another_origin_is_refused(guest):
    cookie = session_cookie(guest)

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[(b"origin", b"https://evil.example"), cookie],
        )
        connected, _ = await socket.connect()
        return connected

    assert run(scenario()) is False


def test_each_user_receives_only_their_own_notifications(guest, other):
    mine_cookie, theirs_cookie = session_cookie(guest), session_cookie(other)

    async def scenario():
        mine = connect("/ws/notifications/", mine_cookie)
        theirs = connect("/ws/notifications/", theirs_cookie)
        assert (await mine.connect())[0]
        assert (await theirs.connect())[0]
        await asyncio.to_thread(
            services.notify, user=guest, kind="listing.approved", data={"listing": "Walk"}
        )
        event = await mine.receive_json_from(timeout=2)
        nothing = await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()
        return event, nothing

    event, nothing = run(scenario())
    assert (event["type"], event["title"], event["unread"]) == (
        "notification",
        "Listing approved",
        1,
    )
    assert nothing is True


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "not_json"),
        ("x" * 5000, "too_large"),
        (json.dumps({"type": "subscribe", "user": 1}), "unknown_message"),
    ],
    ids=["not-json", "too-large", "not-allowed"],
)
def test_a_bad_client_message_is_refused_and_logged_and_the_socket_and_others_stay_open(
    guest, other, frame, code, caplog
):
    bad_cookie, good_cookie = session_cookie(guest), session_cookie(other)

    async def scenario():
        bad = connect("/ws/notifications/", bad_cookie)
        good = connect("/ws/notifications/", good_cookie)
        await bad.connect()
        await good.connect()
        await bad.send_to(text_data=frame)
        refusal = await bad.receive_json_from(timeout=2)
        await bad.send_json_to({"type": "ping"})
        still_open = await bad.receive_json_from(timeout=2)
        await good.send_json_to({"type": "ping"})
        other_open = await good.receive_json_from(timeout=2)
        await bad.disconnect()
        await good.disconnect()
        return refusal, still_open, other_open

    refusal, still_open, other_open = run(scenario())
    assert refusal == {"type": "error", "code": code}
    assert still_open == other_open == {"type": "pong"}
    assert f"refused a client message ({code}" in caplog.text


def test_a_listing_socket_receives_seats_left_after_commit():
    listing = ListingFactory.create()

    async def scenario():
        socket = connect(f"/ws/listings/{listing.pk}/")
        assert (await socket.connect())[0]
        await asyncio.to_thread(
            live.publish_seats_left, listing_id=listing.pk, slot_id=9, seats_left=2, change=5
        )
        event = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return event

    assert run(scenario()) == {
        "type": "seats",
        "listing": listing.pk,
        "slot": 9,
        "seats_left": 2,
        "change": 5,
    }


def test_a_socket_for_an_unpublished_listing_is_closed_with_4404():
    draft = ListingFactory.create(status=Listing.Status.DRAFT)

    async def scenario():
        socket = connect(f"/ws/listings/{draft.pk}/")
        return await socket.connect()

    assert run(scenario()) == (False, 4404)


def test_a_listing_socket_is_closed_with_4404_when_its_host_is_suspended(other):
    """The catalogue's "gone" event for each of the host's published listings closes their
    open sockets, as a new socket would be refused (the pause case is in
    outings/bookings/tests/test_review_session10.py)."""
    listing = ListingFactory.create()
    other.is_staff = True
    other.save(update_fields=["is_staff"])
    other.user_permissions.add(
        Permission.objects.get(content_type__app_label="hosting", codename="change_hostmoderation")
    )

    def suspend() -> None:
        try:
            suspend_host(staff=other, host_id=listing.host_id, reason="Spam", now=timezone.now())
        finally:
            connections.close_all()

    async def scenario():
        socket = connect(f"/ws/listings/{listing.pk}/")
        assert (await socket.connect())[0]
        await asyncio.to_thread(suspend)
        output = await socket.receive_output(timeout=2)
        await socket.disconnect()
        return output

    assert run(scenario()) == {"type": "websocket.close", "code": 4404}
