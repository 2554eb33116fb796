"""How a listing does: its views and bookings of the last days, for its host."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from outings.accounts.models import HostProfile
from outings.catalog.services import own_listing
from outings.hosting.views.common import host_required
from outings.stats import selectors as stats


@host_required
@require_safe
def listing_stats(request: HttpRequest, host: HostProfile, pk: int) -> HttpResponse:
    """Views and bookings of each of the last RECENT_DAYS days (UTC), with totals; another
    host's listing is a 404 (own_listing)."""
    listing = own_listing(host=host, listing_id=pk)
    first, last = stats.recent(today=timezone.now().date())
    period = stats.listing_period(listing_id=listing.pk, first=first, last=last)
    context = {"listing": listing, "period": period, "days": stats.RECENT_DAYS}
    return render(request, "hosting/listing_stats.html", context)
