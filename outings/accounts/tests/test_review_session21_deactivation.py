"""Review (session 21): an account set inactive by any path but the admin's user page (an UPDATE
from a shell, a script, a queryset update) had its host suspended by the database (accounts
0008) with none of the admin's follow-up: the open pages of the host's listings stayed open,
reading seats live, until their visitors moved on. The database now queues the same outbox
message the admin's save does (accounts.handlers.HOST_OFF_SITE, accounts 0011), whose handler
closes those pages as a suspension in Host moderation does."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.utils import timezone

from config.asgi import application
from outings.accounts.handlers import HOST_OFF_SITE
from outings.accounts.models import HostProfile, User
from outings.accounts.services import reinstate_host
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import registry, tasks
from outings.common.outbox.testing import deliver

ORIGIN = (b"origin", b"http://testserver")
CLOSED_GONE = {"type": "websocket.close", "code": 4404}


@pytest.fixture
def host() -> HostProfile:
    host = HostProfileFactory.create()
    ListingFactory.create(host=host)
    return host


def _queued() -> list[tuple[str, str, dict[str, object], str]]:
    return list(
        OutboxMessage.objects.filter(kind=HOST_OFF_SITE)
        .order_by("pk")
        .values_list("kind", "queue", "payload", "status")
    )


@pytest.mark.django_db
def test_an_update_of_the_user_row_queues_the_admins_follow_up_for_the_host(host):
    User.objects.filter(pk=host.user_id).update(is_active=False)

    assert _queued() == [
        (HOST_OFF_SITE, registry.get(HOST_OFF_SITE).queue, {"host": host.pk}, "pending")
    ]


@pytest.mark.django_db
def test_the_sweep_finds_the_message_the_database_queued_without_a_nudge(host, nudges):
    User.objects.filter(pk=host.user_id).update(is_active=False)
    assert nudges == []  # the database cannot nudge a worker

    tasks.sweep()

    assert registry.get(HOST_OFF_SITE).queue in nudges


@pytest.mark.django_db
def test_the_admins_save_queues_it_once(host):
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    user = User.objects.get(pk=host.user_id)
    joined = timezone.localtime(user.date_joined)
    client = Client()
    client.force_login(staff)

    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "email": user.email,
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "time_zone": user.time_zone,
        },
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).is_active is False
    assert _queued() == [
        (HOST_OFF_SITE, registry.get(HOST_OFF_SITE).queue, {"host": host.pk}, "pending")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["not a host", "already suspended", "stays active"])
def test_nothing_is_queued_when_no_host_leaves_the_site(case):
    if case == "not a host":
        user = UserFactory.create()
    else:
        suspended = timezone.now() if case == "already suspended" else None
        user = HostProfileFactory.create(suspended_at=suspended).user

    User.objects.filter(pk=user.pk).update(is_active=case == "stays active", first_name="Grace")

    assert _queued() == []


def _close_thread_connections() -> None:
    asyncio.run(database_sync_to_async(connections.close_all)())


@pytest.mark.django_db(transaction=True)
def test_a_listing_page_open_when_an_update_deactivates_its_host_is_closed(host, nudges):
    listing = Listing.objects.get(host=host)

    def deactivate_and_deliver() -> None:
        try:
            User.objects.filter(pk=host.user_id).update(is_active=False)
            deliver(registry.get(HOST_OFF_SITE).queue)
        finally:
            connections.close_all()

    async def scenario() -> dict[str, object]:
        socket = WebsocketCommunicator(application, f"/ws/listings/{listing.pk}/", [ORIGIN])
        assert (await socket.connect(timeout=5))[0]
        await asyncio.to_thread(deactivate_and_deliver)
        output: dict[str, object] = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return output

    try:
        assert asyncio.run(scenario()) == CLOSED_GONE
    finally:
        _close_thread_connections()
    assert OutboxMessage.objects.get(kind=HOST_OFF_SITE).status == "done"


@pytest.mark.django_db(transaction=True)
def test_a_host_reinstated_before_the_message_is_delivered_keeps_its_pages_open(host, nudges):
    listing = Listing.objects.get(host=host)
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    User.objects.filter(pk=host.user_id).update(is_active=False)
    User.objects.filter(pk=host.user_id).update(is_active=True)
    reinstate_host(staff=staff, host_id=host.pk)

    def deliver_now() -> None:
        try:
            deliver(registry.get(HOST_OFF_SITE).queue)
        finally:
            connections.close_all()

    async def scenario() -> bool:
        socket = WebsocketCommunicator(application, f"/ws/listings/{listing.pk}/", [ORIGIN])
        assert (await socket.connect(timeout=5))[0]
        await asyncio.to_thread(deliver_now)
        quiet: bool = await socket.receive_nothing(timeout=1)
        await socket.disconnect()
        return quiet

    try:
        assert asyncio.run(scenario()) is True
    finally:
        _close_thread_connections()
    assert OutboxMessage.objects.get(kind=HOST_OFF_SITE).status == "done"
