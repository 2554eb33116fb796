"""The accessibility gate: axe-core (the `axe-playwright-python` package, which bundles it) runs
in Chromium on every page a visitor, a guest and a host use, in English, and in German where the
language changes the markup; it checks the WCAG 2.1 A and AA rules and axe's best practices
(landmarks, headings), on each page as it opens and, for some, after a step a person takes
(suggestions open, a form sent with mistakes, a folded section opened).

What fails the test: a violation of impact "serious" or "critical", and a result of that impact
that axe leaves for review ("incomplete": a duplicate id that ARIA points at, an ARIA value it
cannot resolve), except colour contrast, which axe cannot measure over a gradient, an image or
an overlapping element. Every violation and every result left for review, whatever its impact,
is printed (rule id, impact, the elements it names, the rule's help URL) and written to
test-artifacts/<test name>/axe.txt; "moderate" and "minor" ones are listed there but do not
fail the test. Run it with `-s` to see the list when it passes.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import services as booking_services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    ScheduleFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.outbox.testing import deliver
from outings.scheduling.models import Slot
from outings.search.services import load_exchange_rates, refresh_lexicon
from tests.browser.conftest import signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]

RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations", "incomplete"],
}
FAILING = {"serious", "critical"}
# Rules whose results left for review may stay so: axe cannot decide them on these pages.
UNDECIDABLE = {"color-contrast"}


@dataclass
class Site:
    host: HostProfile
    guest: User
    listing: Listing
    slot: Slot
    booking: Booking
    request: Booking


@pytest.fixture
def site(db: None) -> Site:
    """A host with two listings (one booked instantly, one by request) and their dates, a guest
    with a confirmed booking and a request, both told in their inboxes, and an API token."""
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    host = HostProfileFactory.create(display_name="Ada's walks", languages=["en", "de"])
    listing = ListingFactory.create(
        host=host, category=category("tours"), title="Harbour kayak tour", languages=["en", "de"]
    )
    asked = ListingFactory.create(
        host=host, category=category("culture"), title="Royal museum tour", instant_booking=False
    )
    ListingFactory.create(category=category("food"), title="Market food tour", city="Madrid")
    ListingFactory.create(host=host, title="Island boat trip", status=Listing.Status.DRAFT)
    ScheduleFactory.create(listing=listing)
    ScheduleFactory.create(listing=listing, weekdays=[5], start_times=[time(14, 30)])
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    SlotFactory.create(listing=listing, starts_at=start + timedelta(days=1), capacity=8)
    asked_slot = SlotFactory.create(listing=asked, starts_at=start, capacity=8)
    refresh_lexicon()

    guest = UserFactory.create(first_name="Grace", last_name="Hopper")
    now = timezone.now()
    booking = booking_services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booking_services.confirm_booking(guest=guest, reference=booking.reference, now=now)
    request = booking_services.hold_seats(guest=guest, slot_id=asked_slot.pk, seats=1, now=now)
    deliver("urgent")  # the notifications of both, in the guest's and the host's inbox
    account_services.create_api_token(user=guest, name="My laptop")
    account_services.create_api_token(user=host.user, name="Calendar sync")
    return Site(host, guest, listing, slot, booking, request)


@dataclass(frozen=True)
class Visit:
    """A page as someone uses it: opened at `path`, then `then` (filling a form with mistakes,
    opening suggestions...) before axe looks. `german`: checked in German too, because the
    language changes its markup (dates, numbers, messages from the search or the forms)."""

    name: str
    path: str
    then: Callable[[Any], None] | None = None
    german: bool = False


def _suggestions(page: Any) -> None:
    page.locator("#id_q").fill("")
    page.locator("#id_q").press_sequentially("harb")
    page.wait_for_selector("#suggestions [role=option]")


def _submitted(form: str, fields: dict[str, str]) -> Callable[[Any], None]:
    """Fill the form's fields and send it, without the browser's own checks (the server's
    error messages are what is looked at)."""

    def submit(page: Any) -> None:
        page.evaluate(f"document.querySelector({form!r}).noValidate = true")
        for selector, value in fields.items():
            page.fill(f"{form} {selector}", value)
        with page.expect_navigation():
            page.click(f"{form} button[type=submit]")

    return submit


def _asked_before_archiving(page: Any) -> None:
    """The listing page's Archive button, which asks first (it archives nothing)."""
    with page.expect_navigation():
        page.click("form[action$='/state/archive/'] button[type=submit]")


def _open_details(page: Any) -> None:
    page.locator("details summary").first.click()


def _pages(site: Site) -> dict[str, list[Visit]]:
    """The pages to check, by who visits them."""
    listing = f"/things-to-do/{site.listing.pk}/"
    booking = f"/bookings/{site.booking.reference}/"
    host_listing = f"/host/listings/{site.listing.pk}/"
    mismatch = {"[name=password1]": "harbour-walks-42", "[name=password2]": "harbour-walks-43"}
    return {
        "visitor": [
            Visit("home", "/", german=True),
            Visit("explore, results", "/explore/?q=tour", german=True),
            Visit("explore, suggestions", "/explore/?q=tour", then=_suggestions),
            Visit("explore, a mistake", "/explore/?q=tour&guests=99&sort=distance", german=True),
            Visit("explore, facets chosen", "/explore/?q=tour&city=Toronto&language=de"),
            Visit("explore, did you mean", "/explore/?q=kayek"),
            Visit(
                "explore, a point, a country and two cities from the URL",
                "/explore/?q=tour&lat=43.65&lng=-79.38&country=CA&city=Toronto&city=Montreal",
                german=True,
            ),
            Visit("all things to do", "/things-to-do/"),
            Visit("a listing", listing, german=True),
            Visit("log in", "/accounts/login/"),
            Visit(
                "log in, wrong password",
                "/accounts/login/",
                then=_submitted(
                    "main form", {"[name=login]": "x@example.org", "[name=password]": "no"}
                ),
                german=True,
            ),
            Visit("sign up", "/accounts/signup/"),
            Visit(
                "sign up, mistakes",
                "/accounts/signup/",
                then=_submitted("main form", {"[name=email]": "ada@example.org", **mismatch}),
                german=True,
            ),
        ],
        "guest": [
            Visit("a listing, to book", listing, german=True),
            Visit("my bookings", "/bookings/", german=True),
            Visit("a booking", booking, german=True),
            Visit("a request", f"/bookings/{site.request.reference}/"),
            Visit("cancel a booking", f"{booking}cancel/", german=True),
            Visit("notifications", "/notifications/", german=True),
            Visit("email preferences", "/notifications/preferences/"),
            Visit("API tokens", "/accounts/api-tokens/", german=True),
        ],
        "host": [
            Visit("host dashboard", "/host/", german=True),
            Visit("a new listing", "/host/listings/new/"),
            Visit(
                "a new listing, mistakes",
                "/host/listings/new/",
                then=_submitted("#listing-form", {"#id_price": "-1"}),
                german=True,
            ),
            Visit("the listing's form", host_listing),
            Visit(
                "archiving the listing, asked first",
                host_listing,
                then=_asked_before_archiving,
                german=True,
            ),
            Visit("the listing's schedules", f"{host_listing}schedules/", german=True),
            Visit(
                "the listing's schedules, an exception",
                f"{host_listing}schedules/",
                then=_open_details,
            ),
            Visit(
                "the listing's schedules, mistakes",
                f"{host_listing}schedules/",
                then=_submitted("#schedule-form", {"#id_start_times": "25:00"}),
            ),
            Visit("the listing's views and bookings", f"{host_listing}stats/", german=True),
            Visit("a date's roster", f"/host/slots/{site.slot.pk}/roster/", german=True),
            Visit("a request to answer", f"/host/bookings/{site.request.reference}/"),
            Visit("host profile", "/host/profile/"),
            Visit("notifications", "/notifications/"),
        ],
    }


def _report(title: str, violations: list[dict[str, Any]]) -> Iterator[str]:
    for violation in violations:
        yield (
            f"{title}: {violation['id']} ({violation['impact']}) {violation['help']}"
            f" {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            summary = node.get("failureSummary") or "; ".join(
                check["message"] for check in node["any"] + node["all"] + node["none"]
            )
            yield f"    {', '.join(map(str, node['target']))}: {summary!r}"


def _check_every_page(
    live_server: Any, browser: Any, site: Site, language: str, artifacts: Path
) -> None:
    axe = Axe()
    cookie = {"name": "django_language", "value": language, "url": live_server.url}
    contexts: dict[str, Callable[[], Any]] = {
        "visitor": lambda: browser.new_context(viewport={"width": 1280, "height": 1000}),
        "guest": lambda: signed_in(browser, site.guest, live_server.url),
        "host": lambda: signed_in(browser, site.host.user, live_server.url),
    }
    lines: list[str] = []
    failing: list[str] = []
    for persona, pages in _pages(site).items():
        context = contexts[persona]()
        context.add_cookies([cookie])
        # The explore map's tiles come from OpenStreetMap: no request leaves this machine.
        context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(15_000)
        for visit in pages:
            if language != "en" and not visit.german:
                continue
            response = page.goto(f"{live_server.url}{visit.path}")
            assert response is not None
            assert response.status < 500, (visit, response.status)
            if visit.then is not None:
                visit.then(page)
            assert page.evaluate("document.documentElement.lang") == language, visit
            results = axe.run(page, options=RULES).response
            title = f"[{language}] {persona}, {visit.name} ({visit.path})"
            review = [r for r in results["incomplete"] if r["id"] not in UNDECIDABLE]
            lines.extend(_report(title, results["violations"]))
            lines.extend(_report(f"{title}, to review", results["incomplete"]))
            failing.extend(
                f"{title}: {r['id']}"
                for r in results["violations"] + review
                if r["impact"] in FAILING
            )
        context.close()
    report = "\n".join(lines) or "no violations"
    (artifacts / "axe.txt").write_text(report + "\n")
    print(report)
    assert not failing, "serious or critical accessibility violations:\n" + "\n".join(failing)


def test_the_pages_in_english_pass_axe(
    live_server: Any, browser: Any, site: Site, artifacts: Path
) -> None:
    _check_every_page(live_server, browser, site, "en", artifacts)


def test_the_pages_in_german_pass_axe(
    live_server: Any, browser: Any, site: Site, artifacts: Path
) -> None:
    _check_every_page(live_server, browser, site, "de", artifacts)
