"""Review of the bell's unread count (session 25): a count that arrives after a newer one no
longer sets the bell back. The counts reach a page from different processes (a web worker and a
Celery worker each count after their own change commits) and from the feed, and can arrive in
another order than they were counted: the bell showed whichever came last, a stale number until
the next event or a reload. Each count now carries the number it was counted at
(`unread_change`, notifications.selectors.unread_counted), the page's own count too, and live.js
keeps the highest it has shown, as it does for seats (tests/browser/test_seats_order.py).

Real components: Chromium (Playwright), uvicorn with Channels and the Redis channel layer
(`front`), the live server, PostgreSQL."""

import json
import re
from typing import Any

import pytest

from outings.catalog.tests.factories import UserFactory
from outings.notifications import live, services
from outings.notifications.models import Notification
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

# <body data-marked> once the page has handled a {"type": "booking"} event: sent after the
# events under test on the same socket, it tells that they were handled too.
WATCH_MARKER = """
document.addEventListener("outings:booking", function () { document.body.dataset.marked = ""; });
"""


def _notify(user: Any) -> Notification:
    return services.notify(
        user=user, kind="listing.approved", data={"listing": "Harbour walk"}, email=False
    )


def _open_home(front: str, browser: Any, user: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The user's home page, its bell's socket open and caught up; the events that socket
    receives, recorded as the page received them."""
    page = signed_in(browser, user, front, locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    frames: list[dict[str, Any]] = []

    def record(socket: Any) -> None:
        socket.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", record)
    with page.expect_response(lambda response: "/notifications/feed/" in response.url):
        page.goto(f"{front}/")
    page.evaluate(WATCH_MARKER)
    return page, frames


def _handled(page: Any, user: Any, *events: dict[str, Any]) -> None:
    """Send `events` to the user's sockets, and wait until the page has handled them."""
    for event in events:
        live.publish(live.user_group(user.pk), event)
    live.publish(live.user_group(user.pk), {"type": "booking"})
    page.wait_for_selector("body[data-marked]", state="attached")
    page.evaluate("delete document.body.dataset.marked")


def _bell(page: Any) -> str:
    return str(page.locator("[data-notification-count]").first.inner_text())


def test_a_reads_count_arriving_after_a_later_notices_does_not_set_the_bell_back(
    front: str, browser: Any
) -> None:
    """The real events: a read counted (1 unread), then a new notice counted (2). The read's
    count arriving again after the notice's, as a slower process's does, is the older one."""
    user = UserFactory.create(preferred_language="en", time_zone="UTC")
    first = _notify(user)
    _notify(user)
    page, frames = _open_home(front, browser, user)
    assert _bell(page) == "2"

    services.mark_read(user=user, notification_id=first.pk)
    page.wait_for_selector("[data-notification-count]:text-is('1')")
    _notify(user)
    page.locator(".live-toasts .live-toast").wait_for()
    page.wait_for_selector("[data-notification-count]:text-is('2')")
    [read] = [frame for frame in frames if frame["type"] == "unread"]
    _handled(page, user, read)

    assert _bell(page) == "2"


def test_counts_out_of_order_leave_the_bell_at_the_newest_and_still_show_the_notice(
    front: str, browser: Any
) -> None:
    """A notice's event whose count is older than one the bell shows is still shown as a
    toast; only its count is left. A count older than the page's own (counted before the page
    was, arriving after it) is left too."""
    user = UserFactory.create(preferred_language="en", time_zone="UTC")
    _notify(user)
    page, _ = _open_home(front, browser, user)
    assert _bell(page) == "1"
    script = page.locator("script[data-feed-url]").get_attribute("data-unread-change") or "0"
    shown = int(script)
    latest = Notification.objects.filter(user=user).latest("id").pk

    _handled(page, user, {"type": "unread", "unread": 7, "unread_change": shown - 1})
    assert _bell(page) == "1"

    notice = {
        "type": "notification", "id": latest + 1000, "kind": "listing.approved",
        "title": "Listing approved", "body": "“Harbour walk” is now published.",
        "body_parts": [["“Harbour walk” is now published.", ""]], "language": "en",
        "url": "", "created_at": "2031-03-30T08:00:00+00:00", "read": False,
    }  # fmt: skip
    _handled(
        page,
        user,
        {"type": "unread", "unread": 3, "unread_change": shown + 1002},  # the newer, first
        {**notice, "unread": 2, "unread_change": shown + 1001},  # the older, after it
    )

    assert _bell(page) == "3"
    toast = page.locator(".live-toasts .live-toast")
    assert toast.count() == 1
    assert re.search("is now published", toast.inner_text())
