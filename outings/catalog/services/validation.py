"""What a host may write about a listing: the editable values (`ListingData`), their limits, and
`validate_listing`, which checks them all and names every field at fault."""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import tzfpy
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext as _

from outings.catalog.countries import country_code
from outings.catalog.currencies import CURRENCIES
from outings.catalog.markdown import render_markdown
from outings.catalog.models import (
    DEFAULT_SLOT_MINUTES,
    MAX_SEATS,
    CancellationPolicy,
    Category,
    Listing,
)
from outings.catalog.services.errors import InvalidListing
from outings.scheduling.rules import MAX_CAPACITY

# ISO 639-1 codes Django knows a name for.
LANGUAGE_CODES = frozenset(code for code in LANG_INFO if len(code) == 2)
MAX_PRICE = 100_000_000  # minor units
MAX_DURATION = 7 * 24 * 60  # minutes: a week
MAX_TAGS = 10
MAX_LANGUAGES = 10
MAX_CUTOFF_HOURS = 720  # the minimum number of guests is decided at most 30 days ahead
LIMITS = {
    "title": 200,
    "summary": 300,
    "description": 20_000,
    "address": 300,
    "city": 120,
    "meeting_point": 300,
    "included": 2_000,
    "requirements": 2_000,
}


@dataclass(frozen=True, kw_only=True)
class ListingData:
    """Everything a host edits about a listing. Text is taken as given and checked here."""

    title: str
    category: str  # a Category slug
    summary: str = ""
    description: str = ""  # Markdown
    tags: Sequence[str] = ()
    languages: Sequence[str] = ("en",)
    # The language the text is written in (its search configuration, the page's lang). None
    # leaves the listing's as it is (a new listing: "en"), so that an edit from a form without
    # it never switches the text to English.
    content_language: str | None = None
    duration_minutes: int = DEFAULT_SLOT_MINUTES
    price_amount: int = 0  # minor units
    currency: str = "EUR"
    min_group_size: int = 1
    max_group_size: int = 10
    address: str = ""
    city: str = ""
    country_code: str = ""
    latitude: float = field(default=math.nan)
    longitude: float = field(default=math.nan)
    meeting_point: str = ""
    cancellation_policy: str = CancellationPolicy.FLEXIBLE
    included: str = ""
    requirements: str = ""
    # How it is booked. None leaves the listing's value as it is (a new listing takes the model
    # default), so that callers written before these existed (the web form, importers) never
    # reset them.
    instant_booking: bool | None = None
    min_guests: int | None = None  # 0: no minimum
    min_guests_cutoff_hours: int | None = None

    @classmethod
    def of(cls, listing: Listing) -> "ListingData":
        """The editable values of a listing as it is."""
        values = {f.name: getattr(listing, f.name) for f in fields(cls) if f.name != "category"}
        return cls(category=listing.category.slug, **values)


def time_zone_at(*, latitude: float, longitude: float) -> str:
    """The IANA zone of a point (offline lookup); UTC at sea."""
    return str(tzfpy.get_tz(longitude, latitude) or "UTC")


def validate_listing(data: ListingData) -> dict[str, Any]:
    """The model values for `data`; InvalidListing naming every field at fault."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    values: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        text = str(getattr(data, name)).strip()
        if "\x00" in text:
            fail(name, _("Must not contain NUL characters."))
        elif len(text) > limit:
            fail(name, _("At most %(limit)s characters.") % {"limit": limit})
        values[name] = text
    for name in ("title", "address", "city"):
        if not values[name]:
            fail(name, _("This field is required."))
    category = Category.objects.filter(slug=data.category).first()
    if category is None:
        fail("category", _("Choose one of the categories."))
    values["category_id"] = category.pk if category else None
    tags = list(dict.fromkeys(t.strip().lower() for t in data.tags if t.strip()))
    if len(tags) > MAX_TAGS or any(len(t) > 60 or "\x00" in t for t in tags):
        fail("tags", _("At most %(n)s tags of up to 60 characters each.") % {"n": MAX_TAGS})
    values["tags"] = tags
    languages = list(dict.fromkeys(code.strip().lower() for code in data.languages))
    if not languages or len(languages) > MAX_LANGUAGES:
        fail("languages", _("Name between 1 and %(n)s languages.") % {"n": MAX_LANGUAGES})
    elif not set(languages) <= LANGUAGE_CODES:
        fail("languages", _("Use two-letter ISO 639-1 codes, such as en or de."))
    values["languages"] = languages
    if data.content_language is not None:
        if data.content_language not in LANGUAGE_CODES:
            fail("content_language", _("Use a two-letter ISO 639-1 code."))
        values["content_language"] = data.content_language
    _check_range(fail, "duration_minutes", data.duration_minutes, 10, MAX_DURATION)
    _check_range(fail, "price_amount", data.price_amount, 0, MAX_PRICE)
    _check_range(fail, "min_group_size", data.min_group_size, 1, MAX_SEATS)
    _check_range(fail, "max_group_size", data.max_group_size, 1, 500)
    if not errors.get("max_group_size") and data.max_group_size < data.min_group_size:
        fail("max_group_size", _("Must be at least the smallest group size."))
    for name in ("duration_minutes", "price_amount", "min_group_size", "max_group_size"):
        values[name] = getattr(data, name)
    if data.currency not in CURRENCIES:
        fail("currency", _("Choose one of the listed currencies."))
    values["currency"] = data.currency
    country = country_code(data.country_code)
    if not country:
        fail("country_code", _("Use an ISO 3166-1 country code, such as DE or GB."))
    values["country_code"] = country
    if not (math.isfinite(data.latitude) and -90 <= data.latitude <= 90):
        fail("latitude", _("A latitude between -90 and 90 is required."))
    if not (math.isfinite(data.longitude) and -180 <= data.longitude <= 180):
        fail("longitude", _("A longitude between -180 and 180 is required."))
    values["latitude"], values["longitude"] = data.latitude, data.longitude
    if data.cancellation_policy not in CancellationPolicy.values:
        fail("cancellation_policy", _("Choose flexible, moderate or strict."))
    values["cancellation_policy"] = data.cancellation_policy
    _validate_booking_settings(data, fail, values)
    if errors:
        raise InvalidListing(fields=errors)
    values["description_html"] = render_markdown(values["description"])
    values["time_zone"] = time_zone_at(latitude=data.latitude, longitude=data.longitude)
    return values


def field_refusals(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Why a host would be refused each of `values` (by field name: any of currency,
    price_amount, duration_minutes, languages, content_language, country_code; a duration of
    None is none stated), in validate_listing's words; empty if none. For a writer that takes
    those fields one by one, as typed (the listing admin's change form): saved there, a value no
    host may write was one the host's own edits then refused."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if "currency" in values and values["currency"] not in CURRENCIES:
        fail("currency", _("Choose one of the listed currencies."))
    if "price_amount" in values:
        _check_range(fail, "price_amount", values["price_amount"], 0, MAX_PRICE)
    if values.get("duration_minutes") is not None:
        _check_range(fail, "duration_minutes", values["duration_minutes"], 10, MAX_DURATION)
    if "languages" in values and not set(values["languages"]) <= LANGUAGE_CODES:
        fail("languages", _("Use two-letter ISO 639-1 codes, such as en or de."))
    if "content_language" in values and values["content_language"] not in LANGUAGE_CODES:
        fail("content_language", _("Use a two-letter ISO 639-1 code."))
    if "country_code" in values and not country_code(values["country_code"]):
        fail("country_code", _("Use an ISO 3166-1 country code, such as DE or GB."))
    return errors


def _validate_booking_settings(
    data: ListingData, fail: Callable[[str, str], None], values: dict[str, Any]
) -> None:
    """The booking settings that `data` sets (None: unchanged) into `values`."""
    if data.instant_booking is not None:
        if not isinstance(data.instant_booking, bool):
            fail("instant_booking", _("Must be true or false."))
        values["instant_booking"] = data.instant_booking
    if data.min_guests is not None:
        _check_range(fail, "min_guests", data.min_guests, 0, MAX_CAPACITY)
        values["min_guests"] = data.min_guests
    if data.min_guests_cutoff_hours is not None:
        _check_range(
            fail, "min_guests_cutoff_hours", data.min_guests_cutoff_hours, 1, MAX_CUTOFF_HOURS
        )
        values["min_guests_cutoff_hours"] = data.min_guests_cutoff_hours


def _check_range(
    fail: Callable[[str, str], None], name: str, value: int, low: int, high: int
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(name, _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
