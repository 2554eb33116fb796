import copy
import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import HostProfile
from outings.catalog import services
from outings.catalog.countries import COUNTRY_CODES, country_code
from outings.catalog.markdown import render_markdown
from outings.catalog.models import Category, Listing
from outings.common.bigtables import RELATED_MATCHES, BigTableAdmin, KnownValuesFilter
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleOverlap, SlotHasBookings, SlotWouldPass
from outings.scheduling.services import follow_listing_change
from outings.search.selectors import document_matches
from outings.web.formatting import format_money

# What the listing's dates follow: a new duration moves their ends, a new zone their starts.
DATES_FOLLOW = ("duration_minutes", "time_zone")
# The fields whose values staff type are checked as a host's are (services.field_refusals).
CHECKED = (
    *("currency", "price_amount", "duration_minutes"),
    *("languages", "content_language", "country_code"),
)


class _TryOnly(Exception):
    """Rolls back a trial of what a change would do to the listing's dates."""


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("slug", "name", "position", "listing_count")
    list_editable = ("position",)
    search_fields = ("slug",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        """Each category with its number of listings, counted per category from the index on
        (category, id). Annotated with Count("listings"), every listing was joined and grouped
        twice per view (the page, and the paginator's count): ~250 ms at 250,000 listings."""
        per_category = (
            Listing.objects.filter(category=OuterRef("pk"))
            .order_by()
            .values("category")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(listing_count=Coalesce(Subquery(per_category), 0))
        )

    @admin.display(description=_("listings"), ordering="listing_count")
    def listing_count(self, category: Category) -> int:
        return int(category.listing_count)  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        # A new slug shows on each of its listings: the service moves their versions (ETags).
        services.save_category(category=obj, slug_changed=change and "slug" in form.changed_data)


class ListingAdminForm(forms.ModelForm[Listing]):
    """Refuses to save over an edit made since the form was opened (invariant 5: no silent
    overwrite). The check runs inside the admin's transaction under a row lock, so two staff
    members saving at once cannot both pass it."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    image_url = forms.URLField(
        label=_("image URL"),
        max_length=1000,
        required=False,
        assume_scheme="https",
        widget=AdminURLFieldWidget,
        help_text=Listing._meta.get_field("image_url").help_text,
    )

    class Meta:
        model = Listing
        fields = (
            *("title", "summary", "description", "category", "kind", "host", "tags"),
            *("price_amount", "currency", "duration_minutes", "languages", "content_language"),
            *("address", "city", "country_code", "latitude", "longitude", "time_zone"),
            *("image_url", "is_demo"),
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean_country_code(self) -> str:
        """A country in capitals ("fr" → "FR"), as a host's is (validate_listing) and as the
        list's country filter looks for it; one that is no country is refused in clean
        (services.field_refusals)."""
        typed = str(self.cleaned_data.get("country_code") or "")
        return country_code(typed) or typed

    def clean_time_zone(self) -> str:
        zone = str(self.cleaned_data.get("time_zone") or "")
        if zone not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("An IANA time zone, like Europe/Berlin."))
        return zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A value staff typed that a host would be refused (validate_listing's rules): saved,
        # the host's own edits then refused it (a PUT of the listing as it reads). Only what staff
        # changed: an imported listing's odd value does not stop another correction.
        typed = {name: cleaned[name] for name in self.changed_data if name in CHECKED}
        refusals = services.field_refusals(typed)
        for name, messages in refusals.items():
            for message in messages:
                self.add_error(name, message)
        if refusals:
            return cleaned
        if self.instance.pk:
            current = (
                Listing.objects.select_for_update(no_key=True)
                .values_list("version", flat=True)
                .get(pk=self.instance.pk)
            )
            if cleaned.get("expected_version") != current:
                raise forms.ValidationError(
                    _(
                        "Someone else changed this listing while you were editing it. "
                        "Reload the page to see their changes, then make yours again."
                    ),
                    code="conflict",
                )
            self._check_dates_follow(cleaned)
        return cleaned

    def _check_dates_follow(self, cleaned: dict[str, Any]) -> None:
        """A new duration or time zone carries over to the listing's dates to come, as a host's
        own edit does (scheduling.services.follow_listing_change, which ListingAdmin.save_model
        calls): tried here and rolled back, so that a change it refuses (a booked date would
        move, starts would overlap) is shown on the form, with nothing saved."""
        self.dates_at: datetime = timezone.now()
        minutes, zone = cleaned.get("duration_minutes"), cleaned.get("time_zone")
        if zone is None:
            return  # refused on its field already
        # No duration (cleared) is a value too: the dates last Listing.slot_minutes.
        if (minutes, zone) == (self.instance.duration_minutes, self.instance.time_zone):
            return
        candidate = copy.copy(self.instance)
        candidate.duration_minutes, candidate.time_zone = minutes, str(zone)
        # The dates to come stay locked from this trial to the save (the trial's own locks go
        # with its rollback): a hold taken in between would otherwise make the save's real run
        # refuse what the trial allowed, a SlotHasBookings nothing could show on the form. A
        # hold waits for the save and then finds its date at the new time.
        list(
            Slot.objects.select_for_update(of=("self",))
            .filter(listing_id=self.instance.pk, starts_at__gte=self.dates_at)
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)
        )
        try:
            with transaction.atomic():
                follow_listing_change(
                    listing=candidate,
                    previous_time_zone=self.instance.time_zone,
                    now=self.dates_at,
                )
                raise _TryOnly
        except _TryOnly:
            pass
        except (SlotHasBookings, ScheduleOverlap, SlotWouldPass) as error:
            raise forms.ValidationError(gettext(str(error.message)), code=error.code) from error


class CountryFilter(KnownValuesFilter):
    """The countries ISO 3166-1 assigns (the only codes a listing may hold), not the distinct
    codes of every listing read on each view."""

    title = _("country")
    parameter_name = "country_code__exact"  # the parameter Django's own filter took
    known = staticmethod(lambda: sorted(COUNTRY_CODES))


@admin.register(Listing)
class ListingAdmin(BigTableAdmin[Listing]):
    form = ListingAdminForm
    list_display = (
        "title",
        "category",
        "city",
        "country_code",
        "status",
        "price",
        "is_demo",
        "updated_at",
    )
    # Fixed date ranges: a date_hierarchy asked for its years, months or days with SELECT
    # DISTINCT date_trunc(...) over every listing.
    list_filter = (
        *("status", "category", "kind", "license", "is_demo", CountryFilter),
        ("updated_at", admin.DateFieldListFilter),
    )
    list_select_related = ("category", "host")
    search_fields = ("id",)  # and words: get_search_results
    search_help_text = _(
        "A listing's number, words of its text, title or place, or its host's name."
    )
    autocomplete_fields = ("host",)
    ordering = ("-id",)
    # A listing's status changes only through the moderation actions and the host's own
    # (catalog.services: each checks the move and writes the audit entry), never by a field here.
    readonly_fields = (
        "status",
        "source",
        "source_id",
        "source_url",
        "license",
        "content_hash",
        "generated_fields",
        "version",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "summary",
                    "description",
                    "category",
                    "kind",
                    "status",
                    "host",
                    "tags",
                )
            },
        ),
        (
            _("Offer"),
            {
                "fields": (
                    "price_amount",
                    "currency",
                    "duration_minutes",
                    "languages",
                    "content_language",
                )
            },
        ),
        (
            _("Place"),
            {
                "fields": (
                    "address",
                    "city",
                    "country_code",
                    "latitude",
                    "longitude",
                    "time_zone",
                    "image_url",
                )
            },
        ),
        (
            _("Source"),
            {
                "fields": (
                    "source",
                    "source_id",
                    "source_url",
                    "license",
                    "is_demo",
                    "generated_fields",
                    "content_hash",
                )
            },
        ),
        (_("History"), {"fields": ("version", "created_at", "updated_at", "expected_version")}),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Listing], search_term: str
    ) -> tuple[QuerySet[Listing], bool]:
        """Listings whose number is the search, whose search document matches it as explore
        reads it (the GIN index answers), or whose host's name contains it (the hosts' table,
        far smaller). Looking for it inside title, city, source id and host name (icontains)
        read all 250,000 listings, 1-2 s a search."""
        text = search_term.strip()
        if not text:
            return queryset, False
        numbered, _ = super().get_search_results(request, queryset, text)  # search_fields
        hosts = HostProfile.objects.filter(display_name__icontains=text).values_list("pk")
        matches = Q(document_matches(text)) | Q(host__in=list(hosts[:RELATED_MATCHES]))
        return queryset.filter(matches) | numbered, False

    @admin.display(description=_("price"), ordering="price_amount")
    def price(self, listing: Listing) -> str:
        return format_money(listing.price_amount, listing.currency)

    def save_model(self, request: HttpRequest, obj: Listing, form: Any, change: bool) -> None:
        """A new duration or time zone carries over to the listing's dates to come, as a host's
        edit does: ends follow the duration, starts keep their wall-clock time in the new zone,
        and guests of a booked date whose end moved are told with their calendar event at the
        new time (the form's clean() tried it and refused what it cannot do)."""
        if change:
            obj.version += 1  # the form's clean() holds the row lock and checked the version
        # The public page shows the rendered description: render what staff wrote, as the
        # host's edits are (catalog.services).
        obj.description_html = render_markdown(obj.description)
        super().save_model(request, obj, form, change)
        if change and set(DATES_FOLLOW) & set(form.changed_data):
            follow_listing_change(
                listing=obj, previous_time_zone=form.initial["time_zone"], now=form.dates_at
            )
