"""Booking a date (hold, then confirm), one booking with its calendar, and cancelling it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outings.accounts.requests import (
    login_required_back_to,
    login_required_back_to_the_form,
    signed_in_user,
)
from outings.bookings import calendar, selectors, services
from outings.bookings.errors import SlotFull, SlotUnavailable
from outings.bookings.forms import (
    BookForm,
    CancelForm,
    WaitlistForm,
    bound_seats,
    focus_on_error,
    message_of,
    new_form_token,
    show_error,
)
from outings.bookings.models import Booking
from outings.bookings.views.common import (
    booking_or_404,
    booking_page,
    dates_booking_page,
    detail_page,
    seats_left_of,
)
from outings.common.errors import DomainError, NotFound
from outings.web.formatting import format_money


def _book_page(
    request: HttpRequest,
    form: BookForm,
    *,
    slot_id: object,
    seats: object = None,
    status: int = 200,
    error: DomainError | None = None,
) -> HttpResponse:
    now = timezone.now()
    slot = selectors.public_slot(slot_id=slot_id, now=now) if isinstance(slot_id, int) else None
    waitlist = None
    if isinstance(error, SlotFull) and slot is not None:
        waitlist = WaitlistForm(initial={"slot": slot.pk, "seats": seats})
    if slot is not None:
        # The group sizes the listing takes, as on the listing page's own form.
        bound_seats(slot, form, waitlist)
    focus_on_error(form)
    context = {
        "form": form,
        "slot": slot,
        "waitlist_form": waitlist,
        # A refusal known before the form was sent (a bound form shows its own).
        "refusal": message_of(error) if error is not None and not form.is_bound else "",
        # A date the service found cancelled or under way gets no "Book" button.
        "bookable": slot is not None and not isinstance(error, SlotUnavailable),
        "seats_left": seats_left_of(slot, now=now),
        "request_hours": settings.BOOKINGS_REQUEST_HOURS,
    }
    return render(request, "bookings/book.html", context, status=status)


def _unreadable(request: HttpRequest) -> BookForm:
    """The booking form sent with hidden fields the guest can neither see nor mend (no one-time
    token: a page kept from before tokens, an edited post; a date that is no number), said
    above the form, which gets a new token: shown as it came, with the errors on hidden
    fields that the page does not show, every press of "Book" came back the same, unsaid."""
    data = request.POST.copy()
    data["form_token"] = new_form_token()
    form = BookForm(data)
    form.is_valid()
    form.add_error(
        None,
        _("We could not read this form, so nothing was booked. Choose the date and guests "
          "again."),
    )  # fmt: skip
    return form


@login_required_back_to(dates_booking_page)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """GET ?slot=<id>: the booking form for one date (the listing page posts its own).
    POST: hold the seats (or send the request) and go to the booking, where the guest confirms.
    The form's one-time token makes a second submission of the same form return the first
    booking instead of booking again."""
    if request.method == "GET":
        try:
            slot_id = int(request.GET.get("slot", ""))
        except ValueError:
            raise Http404 from None
        slot = selectors.public_slot(slot_id=slot_id, now=timezone.now())
        if slot is None:
            raise Http404
        smallest = max(1, slot.listing.min_group_size)
        form = BookForm(
            initial={"slot": slot_id, "seats": smallest, "form_token": new_form_token()}
        )
        try:
            services.bookable_slot(slot_id=slot_id, now=timezone.now())
        except SlotUnavailable as error:
            # Say at once what pressing "Book" would answer.
            return _book_page(request, form, slot_id=slot_id, status=error.status_code, error=error)
        return _book_page(request, form, slot_id=slot_id)
    form = BookForm(request.POST)
    if not form.is_valid():
        if "slot" in form.errors or "form_token" in form.errors:
            form = _unreadable(request)
        return _book_page(request, form, slot_id=form.cleaned_data.get("slot"), status=400)
    slot_id, seats = form.cleaned_data["slot"], form.cleaned_data["seats"]
    try:
        booking = services.hold_seats(
            guest=signed_in_user(request),
            slot_id=slot_id,
            seats=seats,
            now=timezone.now(),
            form_token=form.cleaned_data["form_token"],
        )
    except DomainError as error:
        show_error(form, error)
        return _book_page(
            request, form, slot_id=slot_id, seats=seats, status=error.status_code, error=error
        )
    if (booking.slot_id, booking.seats) != (slot_id, seats):
        # The token of a form that already booked (a page restored with the Back button): the
        # service answers with that booking rather than booking twice. Say so.
        messages.info(
            request,
            _("This form was already used: here is the booking it made. To book another date, "
              "reload the listing page."),
        )  # fmt: skip
    return redirect("bookings:detail", reference=booking.reference)


@login_required
@require_GET
def booking_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The guest's booking: for a hold, its deadline and the confirm button; for a confirmed
    booking, "add to calendar", the .ics file, handing it on and cancelling."""
    return detail_page(request, booking_or_404(request, reference))


@login_required_back_to(booking_page)
@require_POST
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        booking = services.confirm_booking(
            guest=signed_in_user(request), reference=reference, now=timezone.now()
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        return detail_page(
            request,
            booking_or_404(request, reference),
            status=error.status_code,
            error=message_of(error),
        )
    if booking.status == Booking.Status.REQUESTED:
        # A waiting-list offer on a listing whose host answers every booking.
        messages.success(request, _("Your request went to the host. We will email you the answer."))
    else:
        messages.success(request, _("Booked. We sent the confirmation to your email address."))
    return redirect("bookings:detail", reference=booking.reference)


@login_required
@require_GET
def booking_ics(request: HttpRequest, reference: str) -> HttpResponse:
    booking = booking_or_404(request, reference)
    # The file names its METHOD (PUBLISH, or CANCEL for a booking that ended), so its type
    # names the method too (RFC 5545 §3.7.2: one with the other, the same value), as the
    # mailed invite's part does.
    response = HttpResponse(
        calendar.ics(booking),
        content_type=f"text/calendar; charset=utf-8; method={calendar.method_of(booking)}",
    )
    response["Content-Disposition"] = f'attachment; filename="outings-{booking.reference}.ics"'
    return response


@login_required_back_to_the_form
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: what the guest gets back if they cancel now (the policy booked under). POST: cancel,
    if that is still what it gives back (else the page again, with what it gives now)."""
    booking = booking_or_404(request, reference)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            booking = services.cancel_booking(
                guest=signed_in_user(request),
                reference=reference,
                now=timezone.now(),
                expected_refund=CancelForm(request.POST).shown_refund(),
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error, status = message_of(exc), exc.status_code
            booking = booking_or_404(request, reference)  # as the refusal found it
            if booking.status_at(timezone.now()) not in Booking.ACTIVE:
                # It had ended by the time the form came (a double click's second press, whose
                # answer is the page shown; a host's cancellation meanwhile): the booking's page
                # says how, by whom and the refund, which the cancel page has no place for.
                messages.info(request, error)
                return redirect("bookings:detail", reference=booking.reference)
        else:
            if booking.refund_due:
                money = format_money(booking.refund_due, booking.currency)
                messages.success(
                    request, _("Cancelled. You are due a refund of %(money)s.") % {"money": money}
                )
            else:
                messages.success(request, _("Cancelled."))
            return redirect("bookings:detail", reference=booking.reference)
    now = timezone.now()
    # A hold or request whose time ran out reads as ended, as the service takes it.
    shown = booking.status_at(now)
    active = shown in Booking.ACTIVE
    # Once the date has started the service refuses to cancel: offer no button that can only fail.
    cancellable = active and booking.slot.starts_at > now
    refund = services.guest_refund(booking, now=now)
    context = {
        "booking": booking,
        "status": shown,
        "active": active,
        "cancellable": cancellable,
        "refund": refund,
        "error": error,
    }
    return render(request, "bookings/cancel.html", context, status=status)
