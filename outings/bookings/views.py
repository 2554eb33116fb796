"""The guest's booking pages: book a date (hold, then confirm), cancel, hand a booking on, the
waiting list of a full date, "my bookings" and one booking with its calendar links.

Views parse a form, call one service and render. A service's refusal (DomainError) is shown on
the page with its message and the error's status code, never as a 500; someone else's booking,
or a date nobody may book, is a 404. Every POST is CSRF-protected (Django's middleware).
"""

import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outings.accounts.models import User
from outings.bookings import calendar, selectors, services
from outings.bookings.errors import SeatsAvailable, SlotFull
from outings.bookings.forms import (
    BookForm,
    TransferForm,
    WaitlistForm,
    message_of,
    new_form_token,
    show_error,
)
from outings.bookings.models import Booking, WaitlistEntry
from outings.common import pagetokens
from outings.common.errors import DomainError, NotFound
from outings.common.pagetokens import BadCursor
from outings.web.formatting import format_money

WAITLIST_SHOWN = 20
_CURSOR = re.compile(r"(-?[0-9]{1,19}):([1-9][0-9]{0,18})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _guest(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _booking_or_404(request: HttpRequest, reference: str) -> Booking:
    try:
        return selectors.get_booking_for_guest(guest=_guest(request), reference=reference)
    except NotFound as error:
        raise Http404 from error


# --- "My bookings": keyset pages on (start, id) ----------------------------------------------


def encode_cursor(booking: Booking) -> str:
    micros = (booking.slot.starts_at - _EPOCH) // _MICROSECOND
    return pagetokens.encode(f"{micros}:{booking.pk}")


def decode_cursor(token: str) -> tuple[datetime, int]:
    """(start, id) a page token continues after; BadCursor for anything encode_cursor did not
    make."""
    match = pagetokens.decode(token, pattern=_CURSOR, max_length=60)
    if int(match.group(2)) > 2**63 - 1:
        raise BadCursor(token)
    try:
        start = _EPOCH + int(match.group(1)) * _MICROSECOND
    except OverflowError as exc:
        raise BadCursor(token) from exc
    return start, int(match.group(2))


def _page(
    bookings: QuerySet[Booking], *, past: bool, after: tuple[datetime, int] | None
) -> tuple[list[Booking], str | None]:
    """One page of bookings: upcoming soonest first, past latest first; and the next token."""
    if after is not None:
        start, pk = after
        if past:
            bookings = bookings.filter(
                Q(slot__starts_at__lt=start) | Q(slot__starts_at=start, pk__lt=pk)
            )
        else:
            bookings = bookings.filter(
                Q(slot__starts_at__gt=start) | Q(slot__starts_at=start, pk__gt=pk)
            )
    order = ("-slot__starts_at", "-pk") if past else ("slot__starts_at", "pk")
    size = int(settings.PAGE_SIZE)
    rows = list(bookings.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, encode_cursor(rows[-1]) if more else None


@login_required
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    """The guest's bookings still to come (with the waiting lists they are on), or with
    ?show=past what happened or ended. Keyset-paginated: ?after=<token>."""
    guest, now = _guest(request), timezone.now()
    past = request.GET.get("show") == "past"
    after = None
    if token := request.GET.get("after", ""):
        try:
            after = decode_cursor(token)
        except BadCursor:
            return render(request, "bookings/bad_cursor.html", {"past": past}, status=400)
    if past:
        bookings = selectors.past_for_guest(guest=guest, now=now)
    else:
        bookings = selectors.upcoming_for_guest(guest=guest, now=now)
    rows, next_cursor = _page(bookings, past=past, after=after)
    waiting: list[WaitlistEntry] = []
    if not past and after is None:
        waiting = list(
            selectors.waitlist_of_guest(guest=guest)
            .filter(
                status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
                slot__starts_at__gt=now,
            )
            .order_by("slot__starts_at", "pk")[:WAITLIST_SHOWN]
        )
    context = {
        "bookings": rows,
        "next_cursor": next_cursor,
        "past": past,
        "is_first_page": after is None,
        "waiting": waiting,
    }
    return render(request, "bookings/mine.html", context)


# --- Booking a date ------------------------------------------------------------------------


def _book_page(
    request: HttpRequest,
    form: BookForm,
    *,
    slot_id: object,
    seats: object = None,
    status: int = 200,
    error: DomainError | None = None,
) -> HttpResponse:
    slot = selectors.public_slot(slot_id=slot_id) if isinstance(slot_id, int) else None
    waitlist = None
    if isinstance(error, SlotFull) and slot is not None:
        waitlist = WaitlistForm(initial={"slot": slot.pk, "seats": seats})
    context = {"form": form, "slot": slot, "waitlist_form": waitlist}
    return render(request, "bookings/book.html", context, status=status)


@login_required
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
        if selectors.public_slot(slot_id=slot_id) is None:
            raise Http404
        form = BookForm(initial={"slot": slot_id, "seats": 1, "form_token": new_form_token()})
        return _book_page(request, form, slot_id=slot_id)
    form = BookForm(request.POST)
    if not form.is_valid():
        return _book_page(request, form, slot_id=form.cleaned_data.get("slot"), status=400)
    slot_id, seats = form.cleaned_data["slot"], form.cleaned_data["seats"]
    try:
        booking = services.hold_seats(
            guest=_guest(request),
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


# --- One booking ---------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    booking: Booking,
    *,
    status: int = 200,
    confirm_error: str = "",
    transfer_form: TransferForm | None = None,
) -> HttpResponse:
    future = booking.slot.starts_at > timezone.now()
    confirmed = future and booking.status == Booking.Status.CONFIRMED
    context = {
        "booking": booking,
        "future": future,
        "confirm_error": confirm_error,
        "transfer": selectors.pending_transfer_of(booking=booking) if confirmed else None,
        "transfer_form": transfer_form or TransferForm(),
        "google_url": calendar.google_calendar_url(booking),
        "outlook_url": calendar.outlook_calendar_url(booking),
    }
    return render(request, "bookings/detail.html", context, status=status)


@login_required
@require_GET
def booking_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The guest's booking: for a hold, its deadline and the confirm button; for a confirmed
    booking, "add to calendar", the .ics file, handing it on and cancelling."""
    return _detail(request, _booking_or_404(request, reference))


@login_required
@require_POST
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        booking = services.confirm_booking(
            guest=_guest(request), reference=reference, now=timezone.now()
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        return _detail(
            request,
            _booking_or_404(request, reference),
            status=error.status_code,
            confirm_error=message_of(error),
        )
    messages.success(request, _("Booked. We sent the confirmation to your email address."))
    return redirect("bookings:detail", reference=booking.reference)


@login_required
@require_GET
def booking_ics(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _booking_or_404(request, reference)
    response = HttpResponse(calendar.ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outings-{booking.reference}.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: what the guest gets back if they cancel now (the policy booked under). POST: cancel."""
    booking = _booking_or_404(request, reference)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            booking = services.cancel_booking(
                guest=_guest(request), reference=reference, now=timezone.now()
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error, status = message_of(exc), exc.status_code
        else:
            if booking.refund_due:
                money = format_money(booking.refund_due, booking.currency)
                messages.success(
                    request, _("Cancelled. You are due a refund of %(money)s.") % {"money": money}
                )
            else:
                messages.success(request, _("Cancelled."))
            return redirect("bookings:detail", reference=booking.reference)
    refund = None
    if booking.status == Booking.Status.CONFIRMED:
        refund = services.refund_for(
            policy=booking.cancellation_policy,
            total=booking.total_price,
            starts_at=booking.slot.starts_at,
            now=timezone.now(),
        )
    context = {"booking": booking, "refund": refund, "error": error}
    return render(request, "bookings/cancel.html", context, status=status)


# --- Handing a booking on ------------------------------------------------------------------


@login_required
@require_POST
def offer_transfer(request: HttpRequest, reference: str) -> HttpResponse:
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            transfer, _secret = services.offer_transfer(
                guest=_guest(request),
                reference=reference,
                to_email=form.cleaned_data["to_email"],
                now=timezone.now(),
            )
        except NotFound as error:
            raise Http404 from error
        except DomainError as error:
            show_error(form, error)
            booking = _booking_or_404(request, reference)
            return _detail(request, booking, status=error.status_code, transfer_form=form)
        messages.success(
            request,
            _("We emailed %(email)s a link to accept the booking. It stays yours until then.")
            % {"email": transfer.to_email},
        )
        return redirect("bookings:detail", reference=reference)
    booking = _booking_or_404(request, reference)
    return _detail(request, booking, status=400, transfer_form=form)


@login_required
@require_POST
def withdraw_transfer(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        withdrawn = services.withdraw_transfer(
            guest=_guest(request), reference=reference, now=timezone.now()
        )
    except NotFound as error:
        raise Http404 from error
    if withdrawn:
        messages.success(request, _("The offer is withdrawn; its link no longer works."))
    return redirect("bookings:detail", reference=reference)


@login_required
@require_http_methods(["GET", "POST"])
def accept_transfer(request: HttpRequest, secret: str) -> HttpResponse:
    """The link in a transfer mail. Only the person logged in with the address it was sent to
    can accept it; the booking is then theirs."""
    try:
        transfer = services.pending_transfer(secret=secret)
    except DomainError as error:
        failed = {"error": message_of(error), "transfer": None}
        return render(request, "bookings/transfer.html", failed, status=error.status_code)
    error_message = ""
    status = 200
    if request.method == "POST":
        try:
            booking = services.accept_transfer(
                user=_guest(request), secret=secret, now=timezone.now()
            )
        except DomainError as error:
            error_message, status = message_of(error), error.status_code
        else:
            messages.success(request, _("The booking is yours now. Enjoy!"))
            return redirect("bookings:detail", reference=booking.reference)
    context = {"transfer": transfer, "booking": transfer.booking, "error": error_message}
    return render(request, "bookings/transfer.html", context, status=status)


# --- Waiting lists -------------------------------------------------------------------------


@login_required
@require_POST
def join_waitlist(request: HttpRequest) -> HttpResponse:
    """Wait for N seats on a full date; offered all of them at once when they free up."""
    form = WaitlistForm(request.POST)
    status = 400
    seats_free = False
    valid = form.is_valid()
    slot_id, seats = form.cleaned_data.get("slot"), form.cleaned_data.get("seats")
    if valid:
        try:
            services.join_waitlist(
                guest=_guest(request),
                slot_id=form.cleaned_data["slot"],
                seats=form.cleaned_data["seats"],
                now=timezone.now(),
            )
        except NotFound as error:
            raise Http404 from error
        except DomainError as error:
            show_error(form, error)
            status, seats_free = error.status_code, isinstance(error, SeatsAvailable)
        else:
            messages.success(
                request,
                _("You are on the waiting list. When seats free up, we hold them for you."),
            )
            return redirect("bookings:mine")
    slot = selectors.public_slot(slot_id=slot_id) if isinstance(slot_id, int) else None
    book_form = None
    if seats_free and slot is not None:
        # Enough seats are free after all: offer to book them instead.
        book_form = BookForm(
            initial={"slot": slot.pk, "seats": seats, "form_token": new_form_token()}
        )
    context = {"form": form, "slot": slot, "book_form": book_form}
    return render(request, "bookings/waitlist.html", context, status=status)


@login_required
@require_POST
def leave_waitlist(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        services.leave_waitlist(guest=_guest(request), entry_id=entry_id, now=timezone.now())
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("You left the waiting list."))
    return redirect("bookings:mine")
