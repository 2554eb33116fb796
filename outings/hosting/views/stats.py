"""How a listing does: its views and bookings of the last days, for its host (and staff)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.catalog.services import own_listing
from outings.hosting.views.common import host_required, user_of
from outings.stats import selectors as stats


@login_required
@require_safe
def listing_stats(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Views and bookings of each of the listing's last RECENT_DAYS days (in its time zone),
    with totals: for the
    listing's host (another host's listing is a 404, own_listing), or staff with VIEW_AS_STAFF
    (any listing, in any state): stats.selectors.listing_for_figures's rule, the API's too; here
    a user who is no host is sent to become one."""
    if user_of(request).may_as_staff(stats.VIEW_AS_STAFF):
        listing = get_object_or_404(Listing, pk=pk)
        return _page(request, listing, back=reverse("admin:catalog_listing_change", args=[pk]))
    return _own_listing_stats(request, pk)


@host_required
def _own_listing_stats(request: HttpRequest, host: HostProfile, pk: int) -> HttpResponse:
    return _page(
        request, own_listing(host=host, listing_id=pk), back=reverse("hosting:listing", args=[pk])
    )


def _page(request: HttpRequest, listing: Listing, *, back: str) -> HttpResponse:
    """The page; `back`: the listing's page for whoever reads it (the host's, or the admin's)."""
    first, last = stats.recent(today=stats.day_of(listing, timezone.now()))
    period = stats.listing_period(listing_id=listing.pk, first=first, last=last)
    context = {"listing": listing, "period": period, "days": stats.RECENT_DAYS, "back": back}
    return render(request, "hosting/listing_stats.html", context)
