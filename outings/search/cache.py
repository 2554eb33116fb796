"""Identical anonymous searches served from the cache, keyed by the catalogue version.

Every write to listings, slots or hosts moves the version (a database trigger), so a cached page
is never served after a write changed what it shows: no invalidation lists. Time alone changes a
page too, with no write: a hold lapses and its seats read as free, a date starts and drops out.
So pages are also keyed by the current window of SAFETY_TIMEOUT seconds (`time_window`, in the
API's ETag too): none is served, from the cache or by a 304, more than that after it was made.
The timeout also covers the one race a version cannot see (a search that read the old rows while
a write was committing). The cache failing never fails a search: it is then simply not used
(outings.common.cache.get_or_compute).
"""

import hashlib
import pickle
import time
import zlib

from django.db import connection

from outings.common import release
from outings.common.cache import get_or_compute
from outings.common.zones import zone_rules
from outings.search import engine
from outings.search.query import SearchPage, SearchQuery

SAFETY_TIMEOUT = 120  # seconds


def time_window() -> int:
    """The current window of SAFETY_TIMEOUT seconds, part of every cache key and search ETag."""
    return int(time.time() // SAFETY_TIMEOUT)


def page_window(key: str) -> int:
    """The current window of SAFETY_TIMEOUT seconds for one page, shifted by an offset of its
    own (from `key`): each page still changes key every SAFETY_TIMEOUT seconds, but not all at
    the same moment, so that their renders spread over the window instead of all coming at its
    end. Not for a page that holds a cached search (explore), whose results follow
    `time_window`: with both, a page could outlive its results' window."""
    offset = zlib.crc32(key.encode()) % SAFETY_TIMEOUT
    return int((time.time() + offset) // SAFETY_TIMEOUT)


def catalogue_version() -> int:
    return _last_value("outings_catalogue_version")


def _last_value(sequence: str) -> int:
    """A version sequence's current value (search.0003, search.0012): one statement."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {sequence}")  # noqa: S608 - a name of ours
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def public_versions() -> tuple[int, int]:
    """What a public page that shows the availability of many listings (the home page's
    bookable experiences, explore) is keyed by in the page cache (outings.common.pagecache):
    the catalogue version and the current time window."""
    return catalogue_version(), time_window()


def content_versions(*, page: str = "") -> tuple[int, int]:
    """What a public page that shows listings but none of their dates (the list of things to do)
    is keyed by: the content version, which no booking moves (search.0012), and the page's own
    window (`page_window(page)`)."""
    return _last_value("outings_content_version"), page_window(page)


# Every upcoming slot of the listing as it reads on the page, hashed. A change of time, seats,
# capacity or status in any of them, or a slot added or removed, gives another digest.
_LISTING_VERSIONS = """
SELECT (SELECT last_value FROM outings_content_version),
       (SELECT md5(coalesce(string_agg(
            concat_ws(':', s.id, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken),
            ',' ORDER BY s.starts_at
        ), ''))
        FROM scheduling_slot s WHERE s.listing_id = %s AND s.starts_at >= now())
"""


def listing_versions(listing_id: int) -> tuple[int, str, int]:
    """What one listing's public page is keyed by: the content version (its text, host, photos),
    a digest of its upcoming slots, and its own window (`page_window`). A booking on another
    listing changes none of them. "More like this" on that page is part of it: a listing that
    sold out since may stay there until the window ends (the booking itself is always checked)."""
    with connection.cursor() as cursor:
        cursor.execute(_LISTING_VERSIONS, [listing_id])
        row = cursor.fetchone()
    content, slots = row if row else (0, "")
    return int(content), str(slots), page_window(f"listing:{listing_id}")


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
                    release.identity(),  # the page of hits is the code's (a pickled SearchPage)
                    version,
                    time_window(),
                    engine.cursor_fingerprint(query),
                    query.near,  # the fingerprint names a place, not the point it stands for
                    query.cursor,
                    query.limit,
                    # Not the viewer's language: the page of hits and facets is the same in
                    # every one (the text is read in all of the catalogue's, the facets are
                    # slugs and codes, "did you mean" is a word of the lexicon); what is
                    # translated is rendered from it (the explore page's HTML, keyed by its
                    # language in the pages cache) or raised (errors, never cached).
                    zone_rules(query.time_zone),  # one entry for each name of a zone
                    query.facets,
                )
            )
        ).hexdigest()
    )
    return get_or_compute(key, lambda: engine.search(query), SAFETY_TIMEOUT)
