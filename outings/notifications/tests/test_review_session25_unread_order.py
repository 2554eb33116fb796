"""Review of the bell's unread count (session 25). Every count the bell shows came without any
order: a notice's event and a read's event each carried the count taken, after its change
committed, by whichever process made the change (a web worker, a Celery worker), and the page's
own count and the feed's had none either. Events of two processes can arrive in the other order
than they were counted (one counts 3, the other 4 after a newer notice; the 4 arrives first, the
3 last), and the bell then showed the older number until the next event or a reload. Each count
now carries `unread_change`, a number taken just before it is counted (selectors.unread_counted):
of two counts, the higher-numbered one saw every change the other saw, and live.js keeps the
highest it has shown (tests/browser/test_review_session25_bell_order.py).

Real PostgreSQL and commits; the events through the real consumer (a websocket) or Channels'
in-memory layer."""

import asyncio
import re
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connections
from django.test import Client

from outings.accounts.models import User
from outings.notifications import live, services
from outings.notifications.models import Notification
from outings.notifications.tests.test_consumers import connect, session_cookie
from outings.notifications.tests.test_inbox import listen, received

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_thread_connections():
    """Consumers and the threads below query on connections of their own: closed afterwards, so
    that the test database can be dropped."""
    yield
    asyncio.run(database_sync_to_async(connections.close_all)())


def _notify(user: User) -> Notification:
    return services.notify(
        user=user, kind="listing.approved", data={"listing": "Harbour walk"}, email=False
    )


def _change(event: dict[str, object]) -> int:
    change = event["unread_change"]
    assert isinstance(change, int)
    return change


def test_every_count_a_socket_receives_is_numbered_in_the_order_it_was_counted(guest):
    cookie = session_cookie(guest)

    async def scenario():
        socket = connect("/ws/notifications/", cookie)
        assert (await socket.connect())[0]
        # In asgiref's database thread, whose connection the fixture above closes.
        first = await database_sync_to_async(_notify)(guest)
        await database_sync_to_async(_notify)(guest)
        await database_sync_to_async(services.mark_read)(user=guest, notification_id=first.pk)
        await database_sync_to_async(services.mark_all_read)(user=guest)
        events = [await socket.receive_json_from(timeout=2) for _ in range(4)]
        await socket.disconnect()
        return events

    events = asyncio.run(scenario())

    assert [(event["type"], event["unread"]) for event in events] == [
        ("notification", 1),
        ("notification", 2),
        ("unread", 1),
        ("unread", 0),
    ]
    changes = [_change(event) for event in events]
    assert changes == sorted(set(changes))  # strictly growing


def test_the_page_and_the_feed_number_their_counts_with_the_events(guest):
    """The bell's count rendered in the page and the feed's (the catch-up after connecting) are
    numbered as the events' are: an event counted before either is older than it."""
    mine = listen(live.user_group(guest.pk))
    _notify(guest)
    [before] = received(mine)
    client = Client()
    client.force_login(guest)

    page = client.get("/notifications/").content.decode()
    shown = re.search(r'data-unread-change="(\d+)"', page)
    feed = client.get("/notifications/feed/?after=0").json()
    _notify(guest)
    [after] = received(mine)

    assert shown is not None
    assert "data-notification-count>1</span>" in page
    assert (before["unread"], feed["unread"], after["unread"]) == (1, 1, 2)
    assert _change(before) < int(shown[1]) < feed["unread_change"] < _change(after)


def test_of_counts_taken_side_by_side_the_highest_numbered_is_the_count_after_the_last_change(
    guest,
):
    """Four threads, each with its own connection, notify and read at once (real commits, the
    counts taken after them side by side): whatever order their events arrive in, the one with
    the highest number counts what the inbox holds after the last of them. The bell keeps it."""
    mine = listen(live.user_group(guest.pk))
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def worker(reads: bool) -> None:
        try:
            start.wait()
            for _ in range(6):
                notice = _notify(guest)
                if reads:
                    services.mark_read(user=guest, notification_id=notice.pk)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n % 2 == 0,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    events = received(mine)
    assert len(events) == 36  # 24 notices, 12 reads
    newest = max(events, key=_change)
    assert newest["unread"] == Notification.objects.filter(user=guest, read_at=None).count() == 12
    assert len({_change(event) for event in events}) == 36
