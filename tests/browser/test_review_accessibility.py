"""What the accessibility gate (test_accessibility.py) cannot see, checked in Chromium against
the live server: where the keyboard's focus is, what a screen reader is told, and whether a
page fits a narrow screen. Each test failed on the code it was written against."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from outings.accounts.models import User
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, category
from outings.notifications.services import notify
from outings.search.services import load_exchange_rates, refresh_lexicon
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def told(db: None) -> User:
    """A host (so every link of the header shows) with one unread notification."""
    host = HostProfileFactory.create()
    notify(
        user=host.user,
        kind="listing.approved",
        data={"listing": "Harbour walk"},
        url="/host/",
        email=False,
    )
    return host.user


def _tab_to(page: Any, selector: str) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_keyboard_user_sees_which_notification_has_the_focus(
    live_server: Any, browser: Any, told: User
) -> None:
    """Each notification in the inbox is a button styled with `all: unset`, in a stylesheet
    linked after the site's: it also unset the site's focus ring, so tabbing through the inbox
    showed no sign of which notification Enter would open (WCAG 2.4.7)."""
    page = signed_in(browser, told, live_server.url).new_page()
    page.goto(f"{live_server.url}/notifications/")

    _tab_to(page, ".notification__open")

    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


def test_the_bell_tells_a_screen_reader_how_many_notifications_are_unread(
    live_server: Any, browser: Any, told: User
) -> None:
    """The bell's link had aria-label="Notifications", which replaces its content: the unread
    count shown in its badge was never read out."""
    page = signed_in(browser, told, live_server.url).new_page()
    page.goto(f"{live_server.url}/")

    assert page.get_by_role("link", name="Notifications 1", exact=True).count() == 1


def test_the_live_notices_region_is_in_the_page_before_the_first_notice(
    live_server: Any, browser: Any, told: User
) -> None:
    """live.js made the toasts' status region when the first toast came, and put the toast in
    it at once: screen readers announce changes to a live region they already know, so the
    first notice of a visit was silent."""
    page = signed_in(browser, told, live_server.url).new_page()
    page.goto(f"{live_server.url}/")

    region = page.locator(".live-toasts")
    assert region.count() == 1
    assert region.get_attribute("role") == "status"
    assert region.inner_text() == ""


@pytest.mark.parametrize(
    ("language", "title", "dismiss"),
    [("en", "Listing approved", "Dismiss"), ("de", "Angebot freigegeben", "Schließen")],
)
def test_a_notice_stays_until_it_is_dismissed_with_the_keyboard(
    front: str, browser: Any, told: User, language: str, title: str, dismiss: str
) -> None:
    """A live notice (toast) vanished after 8 seconds, whoever was still reading it, with no
    way to keep it (WCAG 2.2.1, Timing Adjustable) and no way to dismiss it either. It now
    stays until dismissed: by its button, which the keyboard reaches, or by Escape."""
    told.preferred_language = language
    told.save(update_fields=["preferred_language"])
    page = signed_in(browser, told, front).new_page()
    page.set_default_timeout(15_000)
    page.clock.install()  # the page's timers run only when the test says so
    with page.expect_request(lambda request: "/notifications/feed/" in request.url):
        page.goto(f"{front}/")

    for listing in ("Harbour walk", "Night kayak"):
        notify(
            user=told,
            kind="listing.approved",
            data={"listing": listing},
            url="/host/",
            email=False,
        )
    toasts = page.locator(".live-toasts .live-toast")
    toasts.nth(1).wait_for()
    page.clock.run_for(10 * 60_000)  # ten minutes later

    assert toasts.count() == 2
    assert title in toasts.first.inner_text()
    close = page.get_by_role("button", name=f"{dismiss}: {title}")
    assert close.count() == 2
    _tab_to(page, ".live-toast button")
    page.keyboard.press("Enter")
    assert toasts.count() == 1
    # The focus moves on to what is left, not back to the top of the page.
    assert page.evaluate("document.activeElement.matches('.live-toast button')")
    page.keyboard.press("Escape")
    assert toasts.count() == 0


def test_the_suggestion_chosen_with_the_arrow_keys_is_marked_on_screen(
    live_server: Any, browser: Any, db: None
) -> None:
    """ArrowDown chooses a suggestion (aria-activedescendant) while the focus stays in the
    search box, so only the page's style can show a sighted keyboard user which one Enter
    takes; nothing marked it."""
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    ListingFactory.create(category=category("tours"), title="Harbour kayak tour")
    refresh_lexicon()
    page = browser.new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"{live_server.url}/explore/?q=tour")
    page.locator("#id_q").fill("")
    page.locator("#id_q").press_sequentially("harb")
    option = page.locator("#suggestions [role=option]").first
    option.wait_for()
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).outlineStyle]"
    before = option.evaluate(style)

    page.keyboard.press("ArrowDown")

    assert option.get_attribute("aria-selected") == "true"
    after = option.evaluate(style)
    assert after[0] != before[0]
    assert after[1] == "solid"


@pytest.mark.parametrize("path", ["/", "/bookings/", "/host/"])
def test_no_page_scrolls_sideways_on_a_320_pixel_screen(
    live_server: Any, browser: Any, told: User, path: str
) -> None:
    """The header's links sat on one line that did not wrap: on a phone 320 CSS pixels wide
    (or at 400% zoom, WCAG 1.4.10) the page scrolled sideways and the links past the edge
    ("My bookings", "API tokens", "Log out"; in German from "All things to do" on) were off
    screen."""
    context = signed_in(browser, told, live_server.url, viewport={"width": 320, "height": 800})
    context.add_cookies([{"name": "django_language", "value": "de", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")

    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]
    logout = page.get_by_role("button", name="Abmelden")
    assert logout.bounding_box()["x"] + logout.bounding_box()["width"] <= 320
