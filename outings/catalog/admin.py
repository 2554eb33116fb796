import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outings.catalog.markdown import render_markdown
from outings.catalog.models import Category, Listing
from outings.web.formatting import format_money


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("slug", "name", "position", "listing_count")
    list_editable = ("position",)
    search_fields = ("slug",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(listing_count=Count("listings"))

    @admin.display(description=_("listings"), ordering="listing_count")
    def listing_count(self, category: Category) -> int:
        return int(category.listing_count)  # type: ignore[attr-defined]


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

    def clean_time_zone(self) -> str:
        zone = str(self.cleaned_data.get("time_zone") or "")
        if zone not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("An IANA time zone, like Europe/Berlin."))
        return zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk:
            current = (
                Listing.objects.select_for_update()
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
        return cleaned


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin[Listing]):
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
    list_filter = ("status", "category", "kind", "license", "is_demo", "country_code")
    list_select_related = ("category", "host")
    show_full_result_count = False  # one COUNT(*) per page view on a big table is enough
    search_fields = ("title", "city", "source_id", "host__display_name")
    autocomplete_fields = ("host",)
    date_hierarchy = "updated_at"
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

    @admin.display(description=_("price"), ordering="price_amount")
    def price(self, listing: Listing) -> str:
        return format_money(listing.price_amount, listing.currency)

    def save_model(self, request: HttpRequest, obj: Listing, form: Any, change: bool) -> None:
        if change:
            obj.version += 1  # the form's clean() holds the row lock and checked the version
        # The public page shows the rendered description: render what staff wrote, as the
        # host's edits are (catalog.services).
        obj.description_html = render_markdown(obj.description)
        super().save_model(request, obj, form, change)
