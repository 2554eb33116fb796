"""The site's Content-Security-Policy in a real browser (security review, session 14): the pages,
their htmx, Leaflet's map, the live updates' websocket, the API docs and the admin work under it,
and the browser reports nothing it refused. A report would mean a page lost a script, a style or
a request to the policy (or that the policy lets something through it should not need)."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.search.services import load_exchange_rates
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

# Every violation the browser reports, kept on the page for the test to read.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def visit(context: Any, url: str, ready: str) -> list[str]:
    """The violations the browser reported while opening `url` until `ready` showed."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(WATCH)
    page.goto(url)
    page.wait_for_selector(ready)
    page.wait_for_load_state("load")
    violations: list[str] = page.evaluate("window.__violations")
    page.close()
    return violations


def test_the_pages_work_under_the_policy_and_the_browser_refuses_nothing(
    front: str, browser: Any
) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    category("tours")  # a transactional test before may have flushed the categories
    host = HostProfileFactory.create(display_name="Ada's walks")
    listing = ListingFactory.create(host=host, title="Harbour kayak tour")
    slot = SlotFactory.create(listing=listing, capacity=8)
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    anonymous = browser.new_context()
    hosting = signed_in(browser, host.user, front)
    admin = signed_in(browser, staff, front)

    seen = {
        "explore": visit(anonymous, f"{front}/explore/?q=kayak", "#map.leaflet-container"),
        "listing": visit(anonymous, f"{front}/things-to-do/{listing.pk}/", "h1"),
        "login": visit(anonymous, f"{front}/accounts/login/", "form"),
        "api docs": visit(anonymous, f"{front}/api/v1/docs", ".swagger-ui .info"),
        "dashboard": visit(hosting, f"{front}/host/", "#host-board"),
        "roster": visit(hosting, f"{front}/host/slots/{slot.pk}/roster/", "#roster-board"),
        "schedules": visit(hosting, f"{front}/host/listings/{listing.pk}/schedules/", "form"),
        "admin": visit(admin, f"{front}/admin/catalog/listing/{listing.pk}/change/", "form"),
    }

    assert seen == {name: [] for name in seen}
