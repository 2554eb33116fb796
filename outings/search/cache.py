"""Identical anonymous searches served from the cache, keyed by the catalogue version.

Every write to listings, slots or hosts moves the version (a database trigger), so a cached page
is never served after what it shows has changed: no timers, no invalidation lists. The timeout is
only a safety net for the one race a version cannot see (a search that read the old rows while a
write was committing). The cache failing never fails a search: it is then simply not used.
"""

import hashlib
import logging
import pickle

from django.core.cache import cache
from django.db import connection

from outings.search import engine
from outings.search.query import SearchPage, SearchQuery

logger = logging.getLogger(__name__)

SAFETY_TIMEOUT = 120  # seconds


def catalogue_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM outings_catalogue_version")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def cached_search(query: SearchQuery, *, version: int | None = None) -> SearchPage:
    """The page for `query`, from the cache when the catalogue has not changed since it was
    stored. `version` is the catalogue version if the caller has read it already (read before
    the search, never after: a page must not be keyed by a version newer than its rows)."""
    if version is None:
        version = catalogue_version()
    key = (
        "search:"
        + hashlib.sha256(
            pickle.dumps(
                (
                    version,
                    engine.cursor_fingerprint(query),
                    query.cursor,
                    query.limit,
                    query.language,
                    query.time_zone,
                    query.facets,
                )
            )
        ).hexdigest()
    )
    try:
        page = cache.get(key)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
        return engine.search(query)
    if isinstance(page, SearchPage):
        return page
    page = engine.search(query)
    try:
        cache.set(key, page, SAFETY_TIMEOUT)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
    return page
