"""What the booking pages share: the signed-in guest, their booking or a 404, and the page of one
booking."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from outings.accounts.requests import signed_in_user
from outings.bookings import calendar, selectors
from outings.bookings.forms import TransferForm
from outings.bookings.models import Booking
from outings.common.errors import NotFound


def booking_or_404(request: HttpRequest, reference: str) -> Booking:
    try:
        return selectors.get_booking_for_guest(guest=signed_in_user(request), reference=reference)
    except NotFound as error:
        raise Http404 from error


def detail_page(
    request: HttpRequest,
    booking: Booking,
    *,
    status: int = 200,
    confirm_error: str = "",
    transfer_form: TransferForm | None = None,
) -> HttpResponse:
    """The page of one booking, with what the guest may do with it."""
    future = booking.slot.starts_at > timezone.now()
    confirmed = future and booking.status == Booking.Status.CONFIRMED
    context = {
        "booking": booking,
        # A hold or request whose time ran out reads as expired or declined, sweep or not.
        "status": booking.shown_status,
        "future": future,
        # A waiting-list offer on a listing that takes requests: saying yes asks the host.
        "asks_host": booking.waitlist_entry_id is not None and not booking.listing.instant_booking,
        "confirm_error": confirm_error,
        "transfer": selectors.pending_transfer_of(booking=booking) if confirmed else None,
        "transfer_form": transfer_form or TransferForm(),
        "google_url": calendar.google_calendar_url(booking),
        "outlook_url": calendar.outlook_calendar_url(booking),
    }
    return render(request, "bookings/detail.html", context, status=status)
