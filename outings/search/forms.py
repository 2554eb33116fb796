"""The explore page's parameters: the same names as the API's, read from the query string."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib.postgres.validators import ArrayMaxLengthValidator
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from outings.catalog.models import CATEGORY_NAMES
from outings.common.numbers import is_number, is_whole
from outings.search.query import (
    BBOX,
    COUNTRY,
    ISO_DAY,
    MAX_GUESTS,
    MAX_RADIUS_KM,
    MAX_TEXT,
    MIN_RADIUS_KM,
    SORTS,
    BoundingBox,
    InvalidSearch,
    Point,
    SearchQuery,
)
from outings.search.related import find_place
from outings.search.services import bundled_currencies, currency_exponent

ISO_DATE = "%Y-%m-%d"

SORT_LABELS = {
    "relevance": _("Best match"),
    "distance": _("Nearest"),
    "price_asc": _("Price: low to high"),
    "price_desc": _("Price: high to low"),
    "soonest": _("Soonest available"),
    "newest": _("Newest"),
}


def _as_a_url_writes_it(field: forms.Field, value: Any, *, written: Callable[[str], bool]) -> None:
    """Python's int() and float(), and Django's fields over them, read more than a number as a
    URL writes it (outings.common.numbers): `2.0`, `+2`, ` 2`, `1_0`, `.5` and other scripts'
    digits ("١٢"), which the API refuses with a 400. A shared URL must mean the same on both
    (the page searched for two guests where the API said `guests=2.0` was no whole number, until
    session 24): such a number is malformed here too, named as `two` is. Empty is no number
    (the field is left out), as the form sends its empty fields."""
    if isinstance(value, str) and value and not written(value):
        raise ValidationError(field.error_messages["invalid"], code="invalid")


class WholeNumberField(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        _as_a_url_writes_it(self, value, written=is_whole)
        return super().to_python(value)


class DecimalNumberField(forms.FloatField):
    # FloatField is an IntegerField in Django, and django-stubs keep the parent's return type.
    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        _as_a_url_writes_it(self, value, written=is_number)
        return super().to_python(value)


class DayField(forms.DateField):
    """A day written YYYY-MM-DD and nothing else, as the API reads it (query.ISO_DAY): the
    format alone (strptime) takes `2027-1-5`, and the field stripped ` 2027-01-05`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=[ISO_DATE], **kwargs)

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str) and value and not re.fullmatch(ISO_DAY, value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class RepeatedTextField(forms.Field):
    """A parameter the URL may repeat (`city=Toronto&city=Montreal`), read as the API reads it:
    every value (OR-ed by the search), not the last one alone; empty ones are left out."""

    widget = forms.MultipleHiddenInput

    def __init__(
        self, *, max_length: int, max_values: int, strip: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.max_values = max_values
        self.strip = strip

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        texts = [text for text in values if isinstance(text, str)]
        if not self.strip:
            return [text for text in texts if text]
        return [text.strip() for text in texts if text.strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        ArrayMaxLengthValidator(self.max_values)(value)
        for text in value:
            MaxLengthValidator(self.max_length)(text)


class ExploreForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_TEXT, label=_("What would you like to do?"))
    # Every field has a label: a mistake on the page is named by it, in the page's language.
    category = forms.MultipleChoiceField(
        required=False,
        choices=[(slug, name) for slug, name in CATEGORY_NAMES.items()],
        label=_("Categories"),
    )
    # As many as the API takes (OR-ed); a facet's link replaces them with its one.
    city = RepeatedTextField(required=False, max_length=120, max_values=20, label=_("City"))
    # A code as the API reads it: " de" is no code (the page read it as "de" until session 24).
    language = RepeatedTextField(
        required=False, max_length=8, max_values=10, strip=False, label=_("Language")
    )
    # The API's filter too: shown as a field when the URL has it (an API-made or shared URL).
    country = forms.RegexField(
        required=False,
        regex=rf"\A{COUNTRY}\Z",
        label=_("Country"),
        error_messages={"invalid": _("Use an ISO 3166-1 country code, such as DE or GB.")},
    )
    near = forms.CharField(required=False, max_length=100, label=_("Near"))
    lat = DecimalNumberField(required=False, min_value=-90, max_value=90, label=_("Latitude"))
    lng = DecimalNumberField(required=False, min_value=-180, max_value=180, label=_("Longitude"))
    # Its bounds are the query's rule (SearchQuery.validate), as in the API; the field offers
    # them to the browser (`radius_km_bounds`).
    radius_km = DecimalNumberField(required=False, label=_("Within (km)"))
    radius_km_bounds = (MIN_RADIUS_KM, MAX_RADIUS_KM)
    bbox = forms.RegexField(
        required=False,
        regex=rf"\A{BBOX}\Z",
        max_length=100,
        label=_("Map area"),
    )
    # YYYY-MM-DD only, as the API and the date inputs: the language's own formats would read a
    # shared URL's "12/06/2026" as December 6th on the English page and refuse it on the German.
    date_from = DayField(required=False, label=_("From"))
    date_to = DayField(required=False, label=_("To"))
    guests = WholeNumberField(required=False, min_value=1, max_value=MAX_GUESTS, label=_("Guests"))
    price_min = WholeNumberField(
        required=False, min_value=0, max_value=1_000_000, label=_("From (per person)")
    )
    price_max = WholeNumberField(
        required=False, min_value=0, max_value=1_000_000, label=_("Up to (per person)")
    )
    duration_min = WholeNumberField(
        required=False, min_value=0, max_value=100_000, label=_("At least (minutes)")
    )
    duration_max = WholeNumberField(
        required=False, min_value=0, max_value=100_000, label=_("At most (minutes)")
    )
    # The viewer's zone for the dates, as the API's `tz`; without it, the site's (the cookie's).
    # As given: " Europe/Berlin" is no zone's name (the page read it as one until session 24).
    tz = forms.CharField(required=False, max_length=100, strip=False, label=_("Time zone"))
    currency = forms.ChoiceField(required=False, choices=[], label=_("Currency"))
    sort = forms.ChoiceField(
        required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS], label=_("Sort")
    )
    cursor = forms.CharField(required=False, max_length=2000, label=_("Page"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(c, c) for c in bundled_currencies()]

    def to_query(self, *, time_zone: str) -> SearchQuery:
        """The typed search; raises InvalidSearch with the fields that break a rule."""
        data = self.cleaned_data
        near, place = None, ""
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None):
            # Half a point is a mistake to name, as the API does, not a search everywhere.
            raise InvalidSearch(
                fields={"lng": [str(_("Needed with a latitude."))]}
                if lng is None
                else {"lat": [str(_("Needed with a longitude."))]}
            )
        if lat is not None and data.get("near"):
            # A place typed beside the URL's point: neither is dropped without a word (the
            # page shows the point's fields, to clear).
            raise InvalidSearch(fields={"near": [str(_("A place or coordinates, not both."))]})
        if lat is not None and lng is not None:
            near = Point(lat, lng)
        elif data.get("near"):
            found = find_place(data["near"], country=data.get("country") or "")
            if found is None:
                raise InvalidSearch(fields={"near": [str(_("We do not know that place."))]})
            near, place = Point(found.latitude, found.longitude), found.name
        box = None
        if data.get("bbox"):
            south, west, north, east = (float(v) for v in data["bbox"].split(","))
            box = BoundingBox(south, west, north, east)
        currency = data.get("currency") or "EUR"
        # Prices on the page are whole units of the chosen currency.
        price_min, price_max = data.get("price_min"), data.get("price_max")
        if price_min is not None or price_max is not None:
            unit = 10 ** currency_exponent(currency)
            price_min = None if price_min is None else price_min * unit
            price_max = None if price_max is None else price_max * unit
        return SearchQuery(
            text=data.get("q") or "",
            categories=tuple(data.get("category") or ()),
            cities=tuple(data.get("city") or ()),
            country=data.get("country") or "",
            languages=tuple(data.get("language") or ()),
            near=near,
            place=place,
            radius_km=data.get("radius_km"),  # without a place: a mistake to name
            bbox=box,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            guests=data.get("guests"),
            price_min=price_min,
            price_max=price_max,
            currency=currency,
            duration_min=data.get("duration_min"),
            duration_max=data.get("duration_max"),
            sort=(data.get("sort") or ("distance" if near and not data.get("q") else "relevance")),
            cursor=data.get("cursor") or None,
            time_zone=data.get("tz") or time_zone,
            limit=20,
        )
