"""Review (session 14): a live notice (toast) in another language than its page is marked with
its language, and the listing's title in it with the listing's (WCAG 3.1.2). Failed on the code
it was written against: the toast had no `lang` at all."""

from typing import Any

import pytest

from outings.catalog.tests.factories import HostProfileFactory
from outings.notifications.services import notify
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_notice_in_the_readers_other_language_is_marked_with_it(front: str, browser: Any) -> None:
    """The host reads the dashboard in English; another tab (or browser) switched their site
    language to German since, so the notice comes in German, its listing's title in French.
    A screen reader read "Neue Buchung …" and "Visite du port" in an English voice."""
    host = HostProfileFactory.create().user
    page = signed_in(browser, host, front, locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    # The catch-up after connecting has been answered: what comes next comes by the socket.
    with page.expect_response(lambda response: "/notifications/feed/" in response.url):
        page.goto(f"{front}/")
    assert page.evaluate("document.documentElement.lang") == "en"
    host.site_language = "de"  # the other tab's language, recorded by SiteLanguageMiddleware
    host.save(update_fields=["site_language"])

    notify(
        user=host,
        kind="listing.approved",
        data={"listing": "Visite du port", "listing_language": "fr"},
        url="/host/",
        email=False,
    )
    toast = page.locator(".live-toasts .live-toast")
    toast.wait_for()

    assert toast.get_attribute("lang") == "de"
    assert "Angebot freigegeben" in toast.inner_text()
    title = toast.locator('span[lang="fr"]')
    assert title.inner_text() == "Visite du port"
    assert toast.locator("span").first.inner_text().endswith("ist jetzt veröffentlicht.")
