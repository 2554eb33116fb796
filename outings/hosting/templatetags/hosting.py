"""{% load hosting %}{% listing_photos listing %}: a listing's photos on any page (one query);
and small filters of the host pages."""

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django import template
from django.utils import formats

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
    """Start times in the language's format: "10 a.m., 2:30 p.m." / "10:00, 14:30"."""
    return ", ".join(formats.time_format(value, "TIME_FORMAT") for value in sorted(values))


@register.filter
def day_label(day: date) -> str:
    """A day as the site's dates read (bookings/_when.html): "Sun, Feb. 9, 2031" / "So, 9.
    Februar 2031"."""
    return f"{formats.date_format(day, 'D')}, {formats.date_format(day, 'DATE_FORMAT')}"
