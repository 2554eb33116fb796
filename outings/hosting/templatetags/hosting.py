"""{% load hosting %}{% listing_photos listing %}: a listing's photos on any page (one query);
and small filters of the host pages."""

from collections.abc import Iterable
from datetime import time
from typing import Any

from django import template

from outings.catalog.models import Listing
from outings.catalog.photos.selectors import photos_for_listing
from outings.hosting.forms import WEEKDAYS

register = template.Library()


@register.inclusion_tag("hosting/_photos.html")
def listing_photos(listing: Listing) -> dict[str, Any]:
    return {"photos": photos_for_listing(listing)}


@register.filter
def weekday_names(days: Iterable[int]) -> str:
    """[0, 2] → "Monday, Wednesday" (translated)."""
    names = dict(WEEKDAYS)
    return ", ".join(str(names[day]) for day in sorted(days) if day in names)


@register.filter
def times(values: Iterable[time]) -> str:
    return ", ".join(f"{value:%H:%M}" for value in sorted(values))
