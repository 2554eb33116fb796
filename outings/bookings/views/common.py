"""What the booking pages share: the signed-in guest, their booking or a 404, and the page of one
booking."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from outings.accounts.requests import signed_in_user
from outings.bookings import calendar, selectors
from outings.bookings.forms import SlotSeatsForm, TransferForm, focus_on_error
from outings.bookings.models import Booking
from outings.common.errors import NotFound
from outings.scheduling.models import Slot


def booking_or_404(request: HttpRequest, reference: str) -> Booking:
    try:
        return selectors.get_booking_for_guest(guest=signed_in_user(request), reference=reference)
    except NotFound as error:
        raise Http404 from error


def booking_page(request: HttpRequest, reference: str) -> str:
    """Where a booking's buttons are (Confirm, Hand it on, Withdraw the offer): its page. For a
    form sent without a session and without a Referer (login_required_back_to)."""
    return reverse("bookings:detail", args=[reference])


def my_bookings_page(request: HttpRequest, entry_id: int) -> str:
    """Where a waiting list's "Leave" is: "My bookings". For a form sent without a session and
    without a Referer (login_required_back_to)."""
    return reverse("bookings:mine")


def dates_booking_page(request: HttpRequest) -> str:
    """Where "Book" and "Join the waiting list" of the date a form names (its `slot`) can be
    pressed again: the date's booking form, which says whether seats are left (and offers the
    waiting list when they are not); the things to do when the form names no date. For a form
    sent without a session and without a Referer (login_required_back_to). Nothing is looked
    up: the booking form is a 404 for a date nobody may book."""
    field = SlotSeatsForm.base_fields["slot"]
    try:
        slot_id = field.clean(request.POST.get("slot", ""))
    except ValidationError:
        return reverse("web:listings")
    return f"{reverse('bookings:book')}?slot={slot_id}"


def seats_left_of(slot: Slot | None, *, now: datetime) -> int | None:
    """The seats left that the booking and waiting-list pages say for `slot` (from
    selectors.public_slot), so that a guest refused too many seats knows how many to ask for;
    None for a date that can no longer be booked (cancelled, started), which has no seats."""
    if slot is None or slot.status != Slot.Status.OPEN or slot.starts_at <= now:
        return None
    return max(0, slot.seats_left)


def detail_page(
    request: HttpRequest,
    booking: Booking,
    *,
    status: int = 200,
    error: str = "",
    transfer_form: TransferForm | None = None,
) -> HttpResponse:
    """The page of one booking, with what the guest may do with it; `error` (a refused
    confirmation) heads it."""
    now = timezone.now()
    future = booking.slot.starts_at > now
    shown = booking.status_at(now)
    confirmed = future and booking.status == Booking.Status.CONFIRMED
    if transfer_form is not None and transfer_form.errors and not confirmed:
        # "Hand it on" is on a confirmed booking's page only: an offer sent from a page opened
        # before the booking was cancelled (or its date began) in another tab is refused at the
        # top of the page as it is now, not on a form it no longer has.
        error = " ".join(str(text) for texts in transfer_form.errors.values() for text in texts)
    if transfer_form is not None:
        focus_on_error(transfer_form)
    listing, slot = booking.listing, booking.slot
    context = {
        # A date that needs a minimum of guests and is not decided yet: when it will be (the
        # guest learnt of the minimum only from the cancellation).
        "cut_off": (
            slot.starts_at - timedelta(hours=listing.min_guests_cutoff_hours)
            if listing.min_guests
            and slot.minimum_checked_at is None
            and future
            and shown in Booking.ACTIVE
            else None
        ),
        "booking": booking,
        # A hold or request whose time ran out reads as expired or declined, sweep or not.
        "status": shown,
        "future": future,
        # A lapsed hold is offered Confirm only while that can take its seats again: it was
        # offered after someone took them, and each press answered "taken" under the button.
        "not_again": (
            selectors.why_not_taken_again(booking=booking, now=now)
            if future and shown == Booking.Status.EXPIRED
            else ""
        ),
        # A waiting-list offer on a listing that takes requests: saying yes asks the host.
        "asks_host": booking.waitlist_entry_id is not None and not booking.listing.instant_booking,
        "error": error,
        "transfer": selectors.pending_transfer_of(booking=booking) if confirmed else None,
        "transfer_form": transfer_form or TransferForm(),
        "google_url": calendar.google_calendar_url(booking),
        "outlook_url": calendar.outlook_calendar_url(booking),
    }
    return render(request, "bookings/detail.html", context, status=status)
