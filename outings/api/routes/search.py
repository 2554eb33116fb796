"""Explore: full-text search with filters and facets, "more like this", autocomplete.

Thin: parse the parameters into the search app's typed query, call it, serialise. The search
module owns every rule (outings/search/query.py) and the SQL."""

import enum
from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from outings.api import selectors
from outings.api.auth import OPTIONAL, PUBLIC_SECURITY, is_authenticated
from outings.api.caching import cacheable, etag_of_rows, make_etag, not_modified, set_cache_headers
from outings.api.errors import located, responses
from outings.api.numbers import OptionalParamFloat, OptionalParamInt, ParamInt
from outings.api.params import Id
from outings.api.schemas import MAX_PRICE, CityText, Input, Text, TimeZone
from outings.catalog.models import CATEGORY_NAMES
from outings.catalog.services import LANGUAGE_CODES
from outings.search import cache, related
from outings.search.engine import search as run_search
from outings.search.query import (
    BBOX,
    COUNTRY,
    ISO_DAY,
    MAX_GUESTS,
    MAX_LIMIT,
    MAX_RADIUS_KM,
    MAX_TEXT,
    MIN_RADIUS_KM,
    SORTS,
    BoundingBox,
    InvalidSearch,
    Point,
    SearchPage,
    SearchQuery,
)
from outings.search.services import bundled_currencies

router = Router(tags=["explore"], auth=OPTIONAL)
# A plain calendar date: pydantic alone would also take numbers as Unix timestamps.
ISO_DATE = rf"^{ISO_DAY}$"
Sort = Literal["relevance", "distance", "price_asc", "price_desc", "soonest", "newest"]
assert set(Sort.__args__) == set(SORTS)  # type: ignore[attr-defined]


CategorySlug = enum.StrEnum(  # type: ignore[misc]
    "CategorySlug", [(slug, slug) for slug in CATEGORY_NAMES]
)
# The currencies the bundled rates know; a rates file with others extends the table, and a
# currency without a rate is refused by the search itself.
Currency = enum.StrEnum(  # type: ignore[misc]
    "Currency", [(code, code) for code in bundled_currencies()]
)

# The codes a listing may be offered in (catalog's rule): another matches nothing, so is refused.
LanguageCode = enum.StrEnum(  # type: ignore[misc]
    "LanguageCode", [(code, code) for code in sorted(LANGUAGE_CODES)]
)


# A place's name: its bound checked before Text's own validator, after which pydantic no
# longer knows a string and names its length in "items" (as schemas' CityText).
PlaceName = Annotated[str, Field(max_length=100), *Text.__metadata__]


class SearchParams(Input):
    q: Text = Field("", max_length=MAX_TEXT, description='Web-search syntax: "phrase", -word, or.')
    category: list[CategorySlug] = Field(
        [], max_length=20, description="Category slugs; several are OR-ed."
    )
    price_min: OptionalParamInt = Field(
        None, ge=0, le=MAX_PRICE, description="Minor units of currency."
    )
    price_max: OptionalParamInt = Field(
        None, ge=0, le=MAX_PRICE, description="Minor units of currency."
    )
    currency: Currency = Field(Currency("EUR"), description="The viewer's currency.")
    duration_min: OptionalParamInt = Field(None, ge=0, le=100_000, description="Minutes.")
    duration_max: OptionalParamInt = Field(None, ge=0, le=100_000, description="Minutes.")
    language: list[LanguageCode] = Field(
        [], max_length=10, description="Languages the experience is offered in (ISO 639-1)."
    )
    city: list[CityText] = Field([], max_length=20)
    country: str | None = Field(None, pattern=rf"^{COUNTRY}$")
    date_from: str | None = Field(
        None, pattern=ISO_DATE, description="First day, YYYY-MM-DD (viewer's time zone)."
    )
    date_to: str | None = Field(None, pattern=ISO_DATE, description="Last day, inclusive.")
    guests: OptionalParamInt = Field(None, ge=1, le=MAX_GUESTS, description="Seats wanted.")
    tz: TimeZone = Field(TimeZone("UTC"), description="The viewer's IANA zone.")
    lat: OptionalParamFloat = Field(None, ge=-90, le=90)
    lng: OptionalParamFloat = Field(None, ge=-180, le=180)
    near: PlaceName | None = Field(
        None,
        description="A place name, instead of lat/lng. A name that several countries share is"
        " the one of the country it ends with (`Paris, US`, as autocomplete offers it), else the"
        " one in `country`, else the one with the most listings.",
    )
    radius_km: OptionalParamFloat = Field(None, gt=MIN_RADIUS_KM, le=MAX_RADIUS_KM)
    bbox: str | None = Field(
        None,
        max_length=100,
        pattern=rf"^{BBOX}$",
        description="south,west,north,east",
    )
    sort: Sort = "relevance"
    cursor: str | None = Field(None, max_length=2000)
    limit: ParamInt = Field(20, ge=1, le=MAX_LIMIT)


class NextSlotOut(Schema):
    slot_id: int
    starts_at: datetime  # RFC 3339 in UTC ("Z"), typed date-time, as on every other resource
    seats_left: int


class HitOut(Schema):
    id: int
    title: str
    summary: str
    content_language: str = Field(description="The language title and summary are written in.")
    category: str
    city: str
    country_code: str
    price_amount: int
    currency: str
    duration_minutes: int | None
    latitude: float | None
    longitude: float | None
    image_url: str
    distance_km: float | None
    next_slot: NextSlotOut | None


class FacetValueOut(Schema):
    value: str
    count: int
    selected: bool


class SearchOut(Schema):
    results: list[HitOut]
    facets: dict[str, list[FacetValueOut]]
    next: str | None = Field(description="Cursor of the next page, if there is one.")
    previous: str | None = Field(description="Cursor of the previous page, if there is one.")
    suggestion: str | None = Field(description='A corrected query ("did you mean").')
    corrected: bool = Field(description="True when the results are for the suggestion.")


class SimilarOut(Schema):
    id: int
    title: str
    content_language: str = Field(description="The language the title is written in.")
    category: str
    city: str
    distance_km: float | None


class CompletionOut(Schema):
    kind: Literal["title", "category", "place"]
    label: str
    listing_id: int | None
    content_language: str | None = Field(
        description="The language a title is written in (null for a category or a place)."
    )


class AutocompleteParams(Input):
    q: Text = Field(..., max_length=100, description="What has been typed so far.")


def to_query(params: SearchParams) -> SearchQuery:
    """The typed search for these parameters; InvalidSearch (400) names a bad one."""
    near, place = None, ""
    if params.near and (params.lat is not None or params.lng is not None):
        # Two points asked for: neither is dropped without a word.
        raise InvalidSearch(fields={"near": [_("A place or coordinates, not both.")]})
    if params.lat is not None or params.lng is not None:
        if params.lat is None or params.lng is None:
            raise InvalidSearch(fields={"lat": [_("lat and lng go together.")]})
        near = Point(params.lat, params.lng)
    elif params.near:
        found = related.find_place(params.near, country=params.country or "")
        if found is None:
            raise InvalidSearch(fields={"near": [_("Unknown place.")]})
        near, place = Point(found.latitude, found.longitude), found.name
    box = None
    if params.bbox:
        # Four numbers, as BBOX has it.
        south, west, north, east = (float(part) for part in params.bbox.split(","))
        box = BoundingBox(south, west, north, east)
    return SearchQuery(
        text=params.q,
        categories=tuple(str(c) for c in params.category),
        price_min=params.price_min,
        price_max=params.price_max,
        currency=str(params.currency),
        duration_min=params.duration_min,
        duration_max=params.duration_max,
        languages=tuple(str(code) for code in params.language),
        cities=tuple(params.city),
        country=params.country or "",
        date_from=_day(params.date_from, "date_from"),
        date_to=_day(params.date_to, "date_to"),
        guests=params.guests,
        time_zone=str(params.tz),
        near=near,
        place=place,
        radius_km=params.radius_km,
        bbox=box,
        sort=params.sort,
        cursor=params.cursor,
        limit=params.limit,
    )


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidSearch(fields={name: [_("Not a calendar date.")]}) from error


def _serialise(page: SearchPage) -> dict[str, object]:
    return {
        "results": [
            {
                **{
                    name: getattr(hit, name)
                    for name in HitOut.model_fields
                    if name not in ("id", "next_slot")
                },
                "id": hit.listing_id,
                "next_slot": hit.next_slot
                and {
                    "slot_id": hit.next_slot.slot_id,
                    "starts_at": hit.next_slot.starts_at,
                    "seats_left": hit.next_slot.seats_left,
                },
            }
            for hit in page.hits
        ],
        "facets": {name: [vars(v) for v in values] for name, values in page.facets.items()},
        "next": page.next_cursor,
        "previous": page.previous_cursor,
        "suggestion": page.suggestion,
        "corrected": page.corrected,
    }


@router.get(
    "/search",
    response={200: SearchOut, 304: None, **responses(400, 401, 429, 503)},
    openapi_extra=PUBLIC_SECURITY,
)
def search(
    request: HttpRequest, response: HttpResponse, params: Query[SearchParams]
) -> dict[str, object] | HttpResponse:
    """Things to do matching a text query, filters, a place and dates, with facet counts.
    Identical anonymous searches are answered from a cache keyed by the catalogue version."""
    # Every rule's mistake is named as the schema's checks name theirs: `query.cursor`.
    query = located("query", lambda: to_query(params))
    # One read of the version, before the search: it keys the cache and the ETag (with the
    # time window: what a page shows also moves with time alone), and a matching If-None-Match
    # is answered without searching at all.
    version = cache.catalogue_version()
    etag = make_etag(version, cache.time_window(), request.get_full_path())
    set_cache_headers(response, request, etag)
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    anonymous = not is_authenticated(request)
    page = located(
        "query",
        lambda: cache.cached_search(query, version=version) if anonymous else run_search(query),
    )
    return _serialise(page)


@router.get(
    "/listings/{listing_id}/similar",
    response={200: list[SimilarOut], 304: None, **responses(400, 401, 404, 429)},
    openapi_extra=PUBLIC_SECURITY,
)
def similar(
    request: HttpRequest, response: HttpResponse, listing_id: Id
) -> list[dict[str, object]] | HttpResponse:
    """Listings like this one: shared significant words, same category, nearby, bookable."""
    listing = selectors.get_public_listing(listing_id=listing_id)
    items: list[dict[str, object]] = [
        {
            "id": item.listing_id,
            "title": item.title,
            "content_language": item.content_language,
            "category": item.category,
            "city": item.city,
            "distance_km": item.distance_km,
        }
        for item in related.similar(listing_id=listing.pk)
    ]
    # Computed from the rows it shows (which depend on availability at this moment), not from
    # a version: the answer is small and found anyway.
    etag = etag_of_rows(item.values() for item in items)
    return not_modified(request, etag) or cacheable(request, response, etag, items)


@router.get(
    "/autocomplete",
    response={200: list[CompletionOut], 304: None, **responses(400, 401, 429)},
    openapi_extra=PUBLIC_SECURITY,
)
def autocomplete(
    request: HttpRequest, response: HttpResponse, params: Query[AutocompleteParams]
) -> list[related.Completion] | HttpResponse:
    """Up to ten titles, categories and places for what has been typed (two characters on)."""
    completions = related.autocomplete(prefix=params.q)
    etag = etag_of_rows((c.kind, c.label, c.listing_id, c.content_language) for c in completions)
    return not_modified(request, etag) or cacheable(request, response, etag, completions)
