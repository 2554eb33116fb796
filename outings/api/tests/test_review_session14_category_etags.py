"""Review (session 14): staff renamed a category's slug in the admin, and every listing of it kept
its ETag (its id, version and update time), so a client revalidating `GET /listings`,
`/listings/{id}` or a host's `/host/listings/{id}` got a 304 and went on showing the old slug.
Each test failed on the code it was written against."""

from typing import Any

import pytest
from django.test import Client

from outings.catalog.models import CATEGORY_NAMES, Category, Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def category() -> Category:
    return Category.objects.create(slug="boat-tours", position=40)


@pytest.fixture
def listing(category: Category) -> Listing:
    return ListingFactory.create(category=category, status=Listing.Status.PUBLISHED)


def rename(category: Category, slug: str) -> None:
    """As staff do: the category's change form in the admin."""
    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    response = staff.post(
        f"/admin/catalog/category/{category.pk}/change/",
        {"slug": slug, "position": str(category.position)},
    )
    assert response.status_code == 302
    assert Category.objects.get(pk=category.pk).slug == slug


@pytest.mark.parametrize("path", ["/api/v1/listings", "/api/v1/listings/{id}"])
def test_renaming_a_category_changes_the_etags_of_its_public_listings(
    client: Any, listing: Listing, category: Category, path: str
) -> None:
    url = path.format(id=listing.pk)
    first = client.get(url)

    rename(category, "boat-trips")
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200, "304: the client keeps showing boat-tours"
    body = again.json()
    shown = body["items"][0] if "items" in body else body
    assert shown["category"] == "boat-trips"


def test_renaming_a_category_changes_the_etag_of_a_hosts_listing(
    client: Any, category: Category, token_for: Any
) -> None:
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, category=category)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(host.user)}"}
    url = f"/api/v1/host/listings/{listing.pk}"
    first = client.get(url, **auth)

    rename(category, "boat-trips")
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **auth)

    assert again.status_code == 200
    assert again.json()["category"] == "boat-trips"
    assert again["ETag"] != first["ETag"]


def test_a_renamed_category_is_searched_by_its_new_slug(
    client: Any, listing: Listing, category: Category
) -> None:
    rename(category, "boat-trips")

    found = client.get("/api/v1/search", {"q": "trips"}).json()["results"]

    assert [hit["id"] for hit in found] == [listing.pk]


def test_moving_a_category_in_the_list_leaves_its_listings_as_they_are(
    listing: Listing, category: Category
) -> None:
    rename(category, "boat-tours")  # the same slug, saved again

    assert Listing.objects.get(pk=listing.pk).version == listing.version


def test_a_new_name_for_a_category_changes_the_etag_of_the_categories(
    client: Any, category: Category, monkeypatch: Any
) -> None:
    """Review (session 18). A category's name comes from the code and its translations
    (catalog.models.CATEGORY_NAMES), not from its row: a release that words it anew kept the
    list's ETag (built from ids, slugs and positions), so a client revalidating
    `GET /categories` got a 304 and went on showing the old name until it fetched afresh."""
    first = client.get("/api/v1/categories")
    assert first.status_code == 200

    monkeypatch.setitem(CATEGORY_NAMES, category.slug, "Boat trips")  # the next release's name
    again = client.get("/api/v1/categories", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200, "304: the client keeps showing the old name"
    assert {"slug": "boat-tours", "name": "Boat trips"} in again.json()["items"]
