"""Review of the bell's socket when the session that opened it ends (session 23). The server
closes a notifications socket with 4401 once the session it was opened with no longer signs
its user in, and live.js took 4401 as "signed out" and never connected again. But a session
also ends while its user stays signed in: changing the password in another tab gives the
browser a new session (Django's update_session_auth_hash cycles the key) and deletes the old
one. The first tab's socket was closed at the next notice, that notice was never shown, and the
bell stayed dead until the page was reloaded. live.js now asks the site, with the browser's
cookie as it is now, whether it is still signed in (the feed it catches up from), and connects
again if so, catching up on the notice the closed socket was not sent; signed out (a logout in
another tab), it stays closed and opens no new socket.

Real components: Chromium (Playwright), uvicorn with Channels and the Redis channel layer
(`front`), the live server, PostgreSQL."""

from typing import Any

import pytest

from outings.catalog.tests.factories import UserFactory
from outings.notifications.services import notify
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "an-Old-passw0rd"


def _open_home(front: str, browser: Any) -> tuple[Any, Any, list[Any]]:
    """A signed-in user's home page whose bell socket is open and caught up; the sockets it
    opens, recorded."""
    user = UserFactory.create(password=PASSWORD, preferred_language="en", time_zone="UTC")
    context = signed_in(browser, user, front, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sockets: list[Any] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    with page.expect_response(lambda response: "/notifications/feed/" in response.url):
        page.goto(f"{front}/")
    assert [socket.url.rsplit("/", 2)[-2] for socket in sockets] == ["notifications"]
    return user, page, sockets


def test_a_password_changed_in_another_tab_keeps_the_bell_live(front: str, browser: Any) -> None:
    user, page, sockets = _open_home(front, browser)
    other = page.context.new_page()  # another tab of the same browser
    other.set_default_timeout(15_000)
    other.goto(f"{front}/accounts/password/change/")
    other.fill('input[name="oldpassword"]', PASSWORD)
    other.fill('input[name="password1"]', "a-New-passw0rd-2031")
    other.fill('input[name="password2"]', "a-New-passw0rd-2031")
    form = other.locator('input[name="password2"]').locator("xpath=ancestor::form")
    with other.expect_navigation():
        form.locator('[type="submit"]').click()
    assert "/accounts/login/" not in other.url  # still signed in, with a new session

    notify(user=user, kind="listing.approved", data={"listing": "Harbour walk"}, email=False)
    toast = page.locator(".live-toasts .live-toast")
    toast.wait_for()

    assert "Listing approved" in toast.inner_text()
    assert page.locator("[data-notification-count]").first.inner_text() == "1"
    assert len(sockets) == 2  # connected again, once


def test_after_a_logout_in_another_tab_the_bell_stays_closed(front: str, browser: Any) -> None:
    user, page, sockets = _open_home(front, browser)
    other = page.context.new_page()
    other.set_default_timeout(15_000)
    other.goto(f"{front}/")
    with other.expect_navigation():
        other.locator('form[action="/accounts/logout/"] [type="submit"]').click()

    # The server closes the socket at the next notice, then live.js asks the feed whether the
    # browser is still signed in: both waited for, where a fixed 3 s from the notice could end
    # before them on a busy machine (or before the reconnect that would follow).
    with (
        page.expect_response(lambda response: "/notifications/feed/" in response.url),
        sockets[0].expect_event("close"),
    ):
        notify(user=user, kind="listing.approved", data={"listing": "Harbour walk"}, email=False)
    page.wait_for_timeout(2_000)  # a reconnect opens 1 to 1.5 s after that answer (live.js)

    assert sockets[0].is_closed()  # by the server: the session ended
    assert page.locator(".live-toasts .live-toast").count() == 0
    assert len(sockets) == 1
