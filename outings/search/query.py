"""The explore query as types: what callers pass in and get back. Nothing here knows SQL, so
another engine could serve the text part behind the same boundary (DESIGN.md section 4)."""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from outings.catalog.services import LANGUAGE_CODES
from outings.common.errors import DomainError
from outings.common.zones import known_zones

Sort = Literal["relevance", "distance", "price_asc", "price_desc", "soonest", "newest"]
SORTS: tuple[Sort, ...] = ("relevance", "distance", "price_asc", "price_desc", "soonest", "newest")

MAX_TEXT = 200
# A radius is greater than MIN_RADIUS_KM (0 would find nothing: a mistake to name) and at most
# MAX_RADIUS_KM. The one rule, for the API and the explore page alike: SearchQuery.validate
# applies it, the API's schema states it and the page's field offers it.
MIN_RADIUS_KM = 0.0
MAX_RADIUS_KM = 1000.0
MAX_GUESTS = 50
MAX_DATE_SPAN_DAYS = 366
# Dates outside these are refused: nothing is bookable there, and a whole local day at the ends of
# the calendar is not an instant Python can hold (date.max + 1 day, date.min east of UTC).
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2999, 12, 31)
MAX_LIMIT = 50
# A map area, `south,west,north,east`: four numbers as the map writes them (toFixed), for the
# API and the explore page alike, the whole text (no newline after it, which Python's `$`
# allows). The API's `[0-9.]+` took `1.` and `.5`, and the page "1,2,3,4\n", which the other
# refused, until session 24.
BBOX = r"-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?){3}"
# A calendar day as YYYY-MM-DD, the whole text, for the API and the explore page alike:
# strptime's `%m` and `%d` take one digit, or a space and one, which the page read
# (`2027-1-5`) and the API refused, until session 24.
ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# An ISO 3166-1 country code, the whole text: the page's `^…$` took "DE\n" (and searched a
# country no listing has) until session 24.
COUNTRY = r"[A-Za-z]{2}"
# Control characters (NUL among them, which PostgreSQL refuses in text) read as spaces.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r" {2,}")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalised_text(text: str) -> str:
    """The text as the search reads it, in one form for every spelling of the same search (so
    that they share one cached page and one another's cursors): control characters as spaces,
    runs of spaces as one, A-Z as a-z. The text search reads words without their case (so does
    `or`) and spaces only between words. Letters beyond ASCII keep their case: PostgreSQL
    lower-cases them by the database's locale, which a `C` database does not (docs/search.md,
    "Locale"), so that there "Музей" and "музей" are two searches."""
    return ascii_lower(_SPACES.sub(" ", CONTROL.sub(" ", text).strip()))


def ascii_lower(text: str) -> str:
    """`text` with A-Z as a-z, and every other letter as it is: the letters whose lower case
    Python and the database agree on whatever the database's locale."""
    return text.translate(_ASCII_LOWER)


class InvalidSearch(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The search has invalid parameters.")


def no_exchange_rate(currency: str) -> InvalidSearch:
    """The refusal of a viewer's currency that the rates do not know."""
    return InvalidSearch(
        fields={"currency": [_("No exchange rate for %(currency)s.") % {"currency": currency}]}
    )


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class BoundingBox:
    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""  # read as `normalised_text` gives it
    categories: tuple[str, ...] = ()
    price_min: int | None = None  # minor units of `currency`
    price_max: int | None = None
    currency: str = "EUR"
    duration_min: int | None = None  # minutes
    duration_max: int | None = None
    languages: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    country: str = ""
    date_from: date | None = None
    date_to: date | None = None
    guests: int | None = None
    time_zone: str = "UTC"  # the viewer's: date ranges are whole local days
    near: Point | None = None
    # The place name `near` was resolved from, as the database compares it (related.find_place;
    # "" for coordinates): the cursors are bound to it, since its point moves as the
    # catalogue's listings there change.
    place: str = ""
    # The chosen cities as the database compares them (`lower(outings_unaccent(city))`, as
    # where.CITY_SPELLINGS chooses them), which the engine reads in its first statement and
    # sets here (None before): the cursors are bound to them, so that "malaga" turns the pages
    # of "Málaga". Python cannot fold them alike (its lower() and NFKD are not unaccent's).
    folded_cities: tuple[str, ...] | None = None
    radius_km: float | None = None
    bbox: BoundingBox | None = None
    sort: Sort = "relevance"
    # No viewer's language: the text is read in every language of the catalogue
    # (docs/search.md, "The query"), so a search is the same on every page's language.
    cursor: str | None = None
    limit: int = 20
    facets: bool = True

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        # Subnormal floats (nearer 0 than 2.2e-308): PostgreSQL's float8 arithmetic refuses to
        # underflow (radians(5e-324) is an error, not 0), and no two places are so near
        # without being one point, so a point's coordinates read as 0 and a radius as the
        # smallest normal float: the same listings, and no 500.
        if self.near is not None:
            near = Point(_normal(self.near.latitude), _normal(self.near.longitude))
            object.__setattr__(self, "near", near)
        if self.radius_km is not None and 0 < self.radius_km < sys.float_info.min:
            object.__setattr__(self, "radius_km", sys.float_info.min)
        text = normalised_text(self.text)
        object.__setattr__(self, "text", text)
        # A city as the explore page reads it (forms.RepeatedTextField), on the API too: a
        # facet's value has no spaces around it, and an empty one chooses none (the API
        # searched for a city named "", and found nothing, until session 21). Control
        # characters read as spaces, as in the text (a NUL reached PostgreSQL, which cannot
        # hold it in text: the explore page answered 500 until session 22).
        spaced = (CONTROL.sub(" ", city).strip() for city in self.cities)
        cities = tuple(city for city in spaced if city)
        object.__setattr__(self, "cities", cities)
        if len(text) > MAX_TEXT:
            errors["q"] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
        for name, least in (
            ("price_min", self.price_min),
            ("duration_min", self.duration_min),
            ("duration_max", self.duration_max),
        ):
            if least is not None and least < 0:
                errors[name] = _("Must be zero or more.")
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_max < self.price_min
        ):
            errors["price_max"] = _("Must not be below the lowest price.")
        if (
            self.duration_min is not None
            and self.duration_max is not None
            and "duration_max" not in errors
            and self.duration_max < self.duration_min
        ):
            errors["duration_max"] = _("Must not be below the shortest duration.")
        for name, day in (("date_from", self.date_from), ("date_to", self.date_to)):
            if day is not None and not FIRST_DATE <= day <= LAST_DATE:
                # Written as the page writes dates, in its language ("1. Januar 2000").
                errors[name] = _("A date from %(first)s to %(last)s.") % {
                    "first": date_format(FIRST_DATE),
                    "last": date_format(LAST_DATE),
                }
        if self.date_from and self.date_to and "date_to" not in errors:
            if self.date_to < self.date_from:
                errors["date_to"] = _("The end date must not be before the start date.")
            elif (self.date_to - self.date_from).days > MAX_DATE_SPAN_DAYS:
                errors["date_to"] = _("A range spans at most %(n)s days.") % {
                    "n": MAX_DATE_SPAN_DAYS
                }
        # A listing is offered in known codes only (catalog's rule): "DE" or "german" would
        # match nothing, as if no listing were offered in German.
        if not set(self.languages) <= LANGUAGE_CODES:
            errors["language"] = _("Use two-letter ISO 639-1 codes, such as en or de.")
        if self.time_zone not in known_zones():
            errors["tz"] = _("An IANA time zone, like Europe/Berlin.")
        if self.guests is not None and not 1 <= self.guests <= MAX_GUESTS:
            errors["guests"] = _("Between 1 and %(n)s.") % {"n": MAX_GUESTS}
        if self.near is not None:
            errors.update(_point_errors(self.near, "near"))
        if self.radius_km is not None:
            if self.near is None:
                errors["radius_km"] = _("A distance needs a place to measure it from.")
            elif not MIN_RADIUS_KM < self.radius_km <= MAX_RADIUS_KM:
                errors["radius_km"] = _("Greater than 0 and at most %(n)s km.") % {
                    "n": f"{MAX_RADIUS_KM:g}"
                }
        if self.bbox is not None:
            box = self.bbox
            errors.update(_point_errors(Point(box.south, box.west), "bbox"))
            errors.update(_point_errors(Point(box.north, box.east), "bbox"))
            if box.north < box.south:
                errors["bbox"] = _("The north edge must not be south of the south edge.")
        if self.sort not in SORTS:
            errors["sort"] = _("One of %(sorts)s.") % {"sorts": ", ".join(SORTS)}
        if self.sort == "distance" and self.near is None:
            errors["sort"] = _("Sorting by distance needs a place.")
        if not 1 <= self.limit <= MAX_LIMIT:
            errors["limit"] = _("Between 1 and %(n)s.") % {"n": MAX_LIMIT}
        if errors:
            raise InvalidSearch(fields={name: [message] for name, message in errors.items()})


def _normal(value: float) -> float:
    """`value`, or 0 for a subnormal float."""
    return value if abs(value) >= sys.float_info.min else 0.0


def _point_errors(point: Point, name: str) -> dict[str, str]:
    if not -90 <= point.latitude <= 90 or not -180 <= point.longitude <= 180:
        return {name: _("Latitude within ±90 and longitude within ±180.")}
    return {}


@dataclass(frozen=True)
class NextSlot:
    slot_id: int
    starts_at: datetime
    seats_left: int


@dataclass(frozen=True)
class SearchHit:
    listing_id: int
    title: str
    summary: str
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
    next_slot: NextSlot | None
    time_zone: str = "UTC"  # the listing's: where its dates happen
    content_language: str = "en"  # the language its title and summary are written in


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    next_cursor: str | None = None
    previous_cursor: str | None = None
    suggestion: str | None = None
    corrected: bool = False
