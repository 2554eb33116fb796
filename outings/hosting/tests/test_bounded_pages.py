"""Every host page reads a bounded number of rows, however long a host has been hosting: each is
shown with PAGE_SIZE (or its own bound) smaller than the rows there are, and must page through
them, never show them all at once."""

import re
from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import HostProfile
from outings.catalog.tests.factories import ListingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]


def pages_of(client: Client, path: str, shown: str) -> list[list[str]]:
    """What each page from `path` on shows (the groups `shown` matches), following rel="next"."""
    pages: list[list[str]] = []
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.content[:2000]
        page = response.content.decode()
        pages.append(re.findall(shown, page))
        more = re.search(r'rel="next" href="([^"]+)"', page)
        path = path.split("?")[0] + more.group(1).replace("&amp;", "&") if more else ""
    return pages


# --- The public host page ----------------------------------------------------------------


def test_the_public_host_page_shows_a_page_of_listings_and_links_to_the_rest(
    client: Client, host: HostProfile, settings: Any
) -> None:
    """Bug: the page stopped at 50 listings, silently, with no way to the others."""
    settings.PAGE_SIZE = 3
    made = [ListingFactory.create(host=host).pk for _ in range(7)]

    pages = pages_of(client, f"/host/people/{host.pk}/", r'href="/things-to-do/([0-9]+)/')

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [int(pk) for page in pages for pk in page] == sorted(made, reverse=True)


def test_a_bad_page_link_of_the_public_host_page_is_a_friendly_400(
    client: Client, host: HostProfile
) -> None:
    response = client.get(f"/host/people/{host.pk}/?after=bm9wZQ")

    assert response.status_code == 400
    assert "This page link is not valid" in response.content.decode()
