"""Filling the caches ahead of visitors (DESIGN.md section 5): the home page's aggregates,
refreshed by a periodic task so that no visitor waits for them, and the pages most visitors land
on, rendered into the page cache after a deploy (`manage.py warm_cache`, and a task that
`make run` queues when it starts)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.catalog import selectors as catalog
from outings.common.cache import CACHE_ERRORS
from outings.stats.selectors import most_viewed_listings
from outings.web import views

POPULAR_DAYS = 7


def refresh_aggregates() -> None:
    """Compute the home page's catalogue-wide aggregates and store them for the next
    AGGREGATE_CACHE_SECONDS, whatever is cached now. Run more often than that, so that the
    home page finds them there (it computes them itself only when they are missing)."""
    values = {
        views.BUSIEST_CITY_KEY: views.busiest_city(),
        views.CATEGORY_COUNTS_KEY: catalog.categories_with_counts(),
    }
    try:
        cache.set_many(values, views.AGGREGATE_CACHE_SECONDS)
    except CACHE_ERRORS:
        # Nothing to do until the cache is back: the home page computes them meanwhile.
        return


@dataclass(frozen=True)
class Warmed:
    pages: int
    failed: list[str]


def warm(*, popular: int = 50) -> Warmed:
    """Everything a deploy warms: the aggregates, then the pages (which show them)."""
    refresh_aggregates()
    return warm_pages(popular=popular)


def warm_pages(*, popular: int = 50) -> Warmed:
    """Render, as an anonymous visitor in each of the site's languages (and UTC, the zone of a
    first visit), the home page, the explore page, the list of things to do in all and in each
    category, and the `popular` most viewed listings of the last POPULAR_DAYS days (each
    listing's own days, and today), into the
    page cache. Pages render through the whole stack in this process (Django's test client),
    so what is stored is exactly what a visitor would have been served."""
    paths = [reverse("web:home"), reverse("search:explore"), reverse("web:listings")]
    paths += [
        f"{reverse('web:listings')}?category={category.slug}"
        for category in catalog.list_categories()
    ]
    paths += [
        reverse("web:listing", kwargs={"pk": pk})
        for pk in most_viewed_listings(now=timezone.now(), days=POPULAR_DAYS, limit=popular)
    ]
    client = Client(SERVER_NAME=_served_host(), raise_request_exception=False)
    failed = []
    for language, _name in settings.LANGUAGES:
        for path in paths:
            response = client.get(
                path,
                headers={"Accept-Language": language, views.WARMING_HEADER: "1"},
                secure=settings.SECURE_SSL_REDIRECT,
            )
            if response.status_code != 200:
                failed.append(f"{path} ({language}): {response.status_code}")
    return Warmed(pages=len(paths) * len(settings.LANGUAGES), failed=failed)


def _served_host() -> str:
    """A host name the site answers to (pages are keyed without it)."""
    for host in settings.ALLOWED_HOSTS:
        name = str(host).lstrip(".")
        if name and name != "*":
            return name
    return "localhost"
