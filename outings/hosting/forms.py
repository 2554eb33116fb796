"""Forms of the host pages. They parse what a browser sends into the services' types; the rules
(ranges, overlaps, states) live in the services, whose errors `add_domain_errors` puts back on the
form's fields."""

import math
import re
from datetime import time
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outings.accounts.services import HostProfileData
from outings.bookings.forms import message_of
from outings.catalog.currencies import minor_units
from outings.catalog.models import CATEGORY_NAMES, CancellationPolicy
from outings.catalog.services import CURRENCIES, MAX_PRICE, ListingData
from outings.common.errors import DomainError
from outings.common.formtokens import token_field
from outings.scheduling.models import Schedule, ScheduleException
from outings.scheduling.rules import ScheduleData
from outings.web.formatting import format_money

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def _is_true(value: str) -> bool:
    return value == "True"


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]


def add_domain_errors(
    form: forms.Form, error: DomainError, renames: dict[str, str] | None = None
) -> int:
    """Show a service's refusal on the form: on the field it names, or above the form. Returns
    the refusal's status (403 for a suspended host, 409 for an overlap...), which the page
    answers with, as the API does."""
    renames = renames or {}
    if not error.fields:
        form.add_error(None, message_of(error))
    for name, messages in error.fields.items():
        field = renames.get(name, name)
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(field if field in form.fields else None, str(message))
    return error.status_code


class HostProfileForm(forms.Form):
    # The profile's version when the page was shown (accounts.selectors.host_profile_version);
    # the edit page's form only: becoming a host has nothing to be stale against.
    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    display_name = forms.CharField(label=_("Name shown to guests"), max_length=120)
    bio = forms.CharField(label=_("About you"), widget=forms.Textarea, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    languages = forms.CharField(
        label=_("Languages you speak"),
        help_text=_("Two-letter codes, separated by commas: en, de"),
        required=False,
    )
    photo = forms.FileField(label=_("Photo"), required=False)

    def to_data(self) -> HostProfileData:
        data = self.cleaned_data
        return HostProfileData(
            display_name=data["display_name"],
            bio=data["bio"],
            city=data["city"],
            languages=split_list(data["languages"]),
        )


class ListingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=list(CATEGORY_NAMES.items()))
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text=_("Markdown: **bold**, *italic*, lists, [links](https://…)."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    languages = forms.CharField(
        label=_("Languages offered"), initial="en", help_text=_("Two-letter codes: en, de")
    )
    # Missing or empty: the listing keeps the language it has (a new one: English).
    content_language = forms.CharField(
        label=_("Language of the text"),
        max_length=2,
        required=False,
        initial="en",
        help_text=_("The two-letter code of the language you write in: en, de"),
    )
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), initial=90)
    price = forms.DecimalField(
        label=_("Price per person"), max_digits=12, decimal_places=2, min_value=Decimal(0)
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in CURRENCIES])
    min_group_size = forms.IntegerField(label=_("Smallest group per booking"), initial=1)
    max_group_size = forms.IntegerField(label=_("Largest group per booking"), initial=10)
    address = forms.CharField(label=_("Meeting address"), max_length=300)
    city = forms.CharField(label=_("City"), max_length=120)
    country_code = forms.CharField(label=_("Country code"), max_length=2, initial="DE")
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    meeting_point = forms.CharField(label=_("How to find you"), max_length=300, required=False)
    cancellation_policy = forms.ChoiceField(
        label=_("Cancellation policy"), choices=CancellationPolicy.choices
    )
    included = forms.CharField(label=_("What's included"), widget=forms.Textarea, required=False)
    requirements = forms.CharField(
        label=_("What guests need"), widget=forms.Textarea, required=False
    )
    # Missing from a POST (an older page, a script) means "leave as it is", never "off".
    # "By request" is labelled with BOOKINGS_REQUEST_HOURS when the form is made (__init__).
    instant_booking = forms.TypedChoiceField(
        label=_("How guests book"),
        choices=[("True", _("Instantly: a booking is confirmed at once")), ("False", "")],
        coerce=_is_true,
        empty_value=None,
        required=False,
        initial="True",
        widget=forms.RadioSelect,
    )
    min_guests = forms.IntegerField(
        label=_("Minimum guests per date"),
        required=False,
        initial=0,
        help_text=_("0: no minimum. Below it at the cut-off, the date is cancelled and refunded."),
    )
    min_guests_cutoff_hours = forms.IntegerField(
        label=_("Decide the minimum this many hours before the start"),
        required=False,
        initial=48,
    )

    # The services' field names that the form shows under another name.
    RENAMES = {"price_amount": "price"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A request lapses BOOKINGS_REQUEST_HOURS after it is made, or at the start if sooner
        # (bookings.services.holds._lapses_at); the form said 24 hours whatever the setting.
        hours = settings.BOOKINGS_REQUEST_HOURS
        field = self.fields["instant_booking"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("True", _("Instantly: a booking is confirmed at once")),
            (
                "False",
                ngettext(
                    "By request: you accept or decline each booking within %(hours)s hour, "
                    "and before its date starts at the latest",
                    "By request: you accept or decline each booking within %(hours)s hours, "
                    "and before its date starts at the latest",
                    hours,
                )
                % {"hours": hours},
            ),
        ]

    def clean_min_guests(self) -> int | None:
        """Empty is no minimum, as 0 is: a host emptied the field to drop the minimum and
        kept it (until session 23). Only a post without the field leaves it as it is."""
        value: int | None = self.cleaned_data.get("min_guests")
        return 0 if value is None and "min_guests" in self.data else value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("latitude", "longitude"):
            value = cleaned.get(name)
            if value is not None and not math.isfinite(value):
                self.add_error(name, _("Enter a number."))
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if (
            price is not None
            and currency in CURRENCIES
            and minor_units(currency) == 0
            and price != price.to_integral_value()
        ):
            self.add_error("price", _("This currency has no cents."))
        elif (
            price is not None
            and currency in CURRENCIES
            and price.scaleb(minor_units(currency)) > MAX_PRICE
        ):
            # The services' limit is in minor units ("A whole number from 0 to 100000000."),
            # which a host who typed 2000000 euros read as saying their number was fine.
            limit = format_money(MAX_PRICE, currency)
            self.add_error("price", _("At most %(price)s per person.") % {"price": limit})
        return cleaned

    @staticmethod
    def initial_for(data: ListingData, version: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: getattr(data, name) for name in ListingForm.base_fields if hasattr(data, name)
        }
        exponent = minor_units(data.currency)
        values.update(
            version=version,
            tags=", ".join(data.tags),
            languages=", ".join(data.languages),
            price=Decimal(data.price_amount).scaleb(-exponent),
        )
        return values

    def to_data(self) -> ListingData:
        data = self.cleaned_data
        exponent = minor_units(data["currency"])
        return ListingData(
            title=data["title"],
            category=data["category"],
            summary=data["summary"],
            description=data["description"],
            tags=split_list(data["tags"]),
            languages=split_list(data["languages"]),
            content_language=data["content_language"].strip().lower() or None,
            duration_minutes=data["duration_minutes"],
            price_amount=int(data["price"].scaleb(exponent)),
            currency=data["currency"],
            min_group_size=data["min_group_size"],
            max_group_size=data["max_group_size"],
            address=data["address"],
            city=data["city"],
            country_code=data["country_code"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            meeting_point=data["meeting_point"],
            cancellation_policy=data["cancellation_policy"],
            included=data["included"],
            requirements=data["requirements"],
            instant_booking=data["instant_booking"],
            min_guests=data["min_guests"],
            min_guests_cutoff_hours=data["min_guests_cutoff_hours"],
        )


class NewListingForm(ListingForm):
    """The "New listing" page's form: its one-time token makes it a draft once, however often
    it is sent (outings.common.formtokens)."""

    form_token = token_field()


class TimesField(forms.CharField):
    """Start times as "10:00, 14:30"."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        times = []
        for part in split_list(text or ""):
            match = _TIME.match(part)
            if match is None:
                raise forms.ValidationError(_("Write times as 10:00, 14:30."))
            times.append(time(int(match.group(1)), int(match.group(2))))
        return times


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Schedule.Kind.choices, widget=forms.RadioSelect
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    start_times = TimesField(label=_("Start times"), help_text=_("Local time, e.g. 10:00, 14:30"))
    valid_from = forms.DateField(
        label=_("From (or the date)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    capacity = forms.IntegerField(label=_("Places per slot"), min_value=1)
    # One-time: the same form sent twice adds one rule (outings.common.formtokens).
    form_token = token_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The services' refusal speaks the API's language, "(0 is Monday)", beside boxes
        # named Monday to Sunday.
        unticked = not cleaned.get("weekdays") and "weekdays" not in self.errors
        if cleaned.get("kind") == Schedule.Kind.WEEKLY and unticked:
            self.add_error("weekdays", _("Tick at least one day of the week."))
        return cleaned

    def to_data(self) -> ScheduleData:
        data = self.cleaned_data
        return ScheduleData(
            kind=data["kind"],
            weekdays=data["weekdays"],
            start_times=data["start_times"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            capacity=data["capacity"],
        )


class ExceptionForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("Start"),
        required=False,
        help_text=_("Empty: every start that day."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    action = forms.ChoiceField(label=_("Change"), choices=ScheduleException.Action.choices)
    new_time = forms.TimeField(
        label=_("New start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    # One-time: the same form sent twice saves the exception once, and says so both times
    # (outings.common.formtokens); the second was refused, "This day already has an exception."
    form_token = token_field()


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Places"), min_value=1)


class PhotoForm(forms.Form):
    alt_text = forms.CharField(label=_("Description for screen readers"), required=False)
