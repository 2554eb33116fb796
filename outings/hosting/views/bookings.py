"""The host's side of bookings: a date's roster (and its CSV), cancelling a date, and one booking
with accept/decline for requests and cancel with a reason. Everything is scoped to the host: a
date or booking of another host is a 404 (host_required turns a service's NotFound into one)."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from outings.accounts.models import HostProfile
from outings.bookings import selectors, services
from outings.bookings.forms import OptionalReasonForm, ReasonForm, message_of, show_error
from outings.bookings.models import Booking
from outings.common import pagetokens
from outings.common.errors import DomainError, NotFound
from outings.common.pagetokens import BadCursor
from outings.common.zones import zone_or_utc
from outings.hosting.views.common import (
    DATE_GONE,
    board_news,
    cancel_refused,
    host_required,
    posted_number,
    posted_version,
    report_gone,
)
from outings.scheduling.models import Slot
from outings.scheduling.rules import SlotConflict
from outings.web.formatting import format_money, in_zone

# How many bookings the CSV export reads at a time (a cancelled date's, page by page).
CSV_CHUNK = 500

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, may
# shift it into one): a guest named "=HYPERLINK(...)" must not run in the host's Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A separator inside a cell followed by a formula character: a spreadsheet whose list separator
# is not the file's (";" in German, Spanish and French Excel) starts a new cell there.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n])(?=[=+\-@\t\r])")


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a single quote before anything that would start a formula (OWASP's
    advice for CSV injection): at the start of the cell, and after a comma, semicolon, tab or
    line break inside it, where a spreadsheet that splits at that character starts a cell. The
    spreadsheet then shows it as plain text."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@host_required
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest, host: HostProfile, slot_id: int) -> HttpResponse:
    """Who comes on one of the host's dates; POST cancels the date (every guest is told and
    refunded in full), with a reason the guests read. The form carries the date's version: a
    roster shown before the date's places changed answers 409 and cancels nothing."""
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.cancel_slot(
                    host=host,
                    slot_id=slot_id,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                    expected_version=posted_version(request, "version"),
                )
            except NotFound:
                return _date_gone(request, host=host, slot_id=slot_id)
            except SlotConflict as conflict:  # its places changed since the roster was shown
                form.add_error(None, cancel_refused(conflict))
                status = conflict.status_code
            except DomainError as error:  # started, or already cancelled
                show_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The date is cancelled; every guest has been told."))
                return redirect("hosting:roster", slot_id=slot_id)
        else:
            status = 400
    token = request.GET.get("after", "")
    try:
        after = pagetokens.decode_instant_id(token) if token else None
    except BadCursor:
        first_page = reverse("hosting:roster", kwargs={"slot_id": slot_id})
        return render(request, "hosting/bad_cursor.html", {"first_page": first_page}, status=400)
    page = selectors.roster(
        host=host, slot_id=slot_id, size=int(settings.PAGE_SIZE), now=timezone.now(), after=after
    )
    slot, bookings = page.slot, page.bookings
    next_after = page.next_after
    context: dict[str, Any] = {
        "slot": slot,
        "listing": slot.listing,
        "bookings": bookings,
        "seats_confirmed": sum(b.seats for b in bookings if b.status == Booking.Status.CONFIRMED),
        "seats_pending": sum(b.seats for b in bookings if b.status in Booking.PENDING),
        "future": slot.starts_at > timezone.now(),
        "form": form,
        "news": board_news(request, host),
        "after": token if after is not None else "",
        "next_cursor": None if next_after is None else pagetokens.encode_instant_id(*next_after),
    }
    return render(request, "hosting/roster.html", context, status=status)


def _date_gone(request: HttpRequest, *, host: HostProfile, slot_id: int) -> HttpResponse:
    """A date's cancel refused as not found, posted from a roster opened before: a date of a
    listing archived meanwhile is still there (its roster, saying the listing is archived); a
    date removed meanwhile is not (the schedules page of the listing the form carries, saying
    the date is no longer there), as the schedules pages say. A listing that is not the host's
    own (or none: a form from before the field) is a 404, as another host's date is."""
    try:
        slot = selectors.slot_of_host(host=host, slot_id=slot_id)
    except NotFound:
        listing_id = posted_number(request, "listing")
        report_gone(request, host=host, listing_id=listing_id, message=str(DATE_GONE))
        return redirect("hosting:schedules", pk=listing_id)
    report_gone(request, host=host, listing_id=slot.listing_id, message=str(DATE_GONE))
    return redirect("hosting:roster", slot_id=slot_id)


def _roster_rows(
    bookings: Iterable[Booking], zone: str, *, cancelled: bool
) -> Iterable[list[object]]:
    """The CSV's rows; a cancelled date's (its cancelled bookings) also say who cancelled each
    and the refund due. Times are in the listing's zone, `zone`, which the column names (it
    named none: a reader in another zone read them as their own)."""
    yield [
        _("Reference"),
        _("Guest"),
        _("Email"),
        _("Guests"),
        _("Status"),
        _("Booked at (%(zone)s time)") % {"zone": zone_or_utc(zone).key},
        _("Price"),
        *([_("Cancelled by"), _("Refund due")] if cancelled else []),
    ]
    for booking in bookings:
        guest = booking.guest
        row: list[object] = [
            booking.reference,
            guest.get_full_name() or guest.username,
            guest.email,
            booking.seats,
            booking.get_status_display(),
            in_zone(booking.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            format_money(booking.total_price, booking.currency),
        ]
        if cancelled:
            refund = booking.refund_due
            money = format_money(refund, booking.currency) if refund else ""
            row += [booking.get_cancelled_by_display(), money]
        yield row


def _all_of_roster(
    host: HostProfile, roster: selectors.Roster, *, now: datetime
) -> Iterator[Booking]:
    """Every booking of the roster whose first page is `roster` (read at `now`), read CSV_CHUNK
    at a time."""
    yield from roster.bookings
    while roster.next_after is not None:
        roster = selectors.roster(
            host=host, slot_id=roster.slot.pk, size=CSV_CHUNK, now=now, after=roster.next_after
        )
        yield from roster.bookings


@host_required
@require_GET
def roster_csv(request: HttpRequest, host: HostProfile, slot_id: int) -> HttpResponseBase:
    """The roster as CSV (UTF-8 with a byte order mark, so that spreadsheets read accents),
    every cell neutralised against formula injection. Every booking of the date, however many
    cancelled ones it gathered: streamed, CSV_CHUNK bookings read and written at a time, never
    all of them in memory."""
    now = timezone.now()
    first = selectors.roster(host=host, slot_id=slot_id, size=CSV_CHUNK, now=now)  # a 404 now
    slot = first.slot
    zone = slot.listing.time_zone
    cancelled = slot.status == Slot.Status.CANCELLED
    language = translation.get_language()

    def lines() -> Iterator[str]:
        # Written after the view has returned: in the language of the request it answers.
        with translation.override(language):
            out = io.StringIO()
            writer = csv.writer(out)
            yield "\ufeff"
            rows = _roster_rows(_all_of_roster(host, first, now=now), zone, cancelled=cancelled)
            for row in rows:
                writer.writerow([spreadsheet_safe(cell) for cell in row])
                yield out.getvalue()
                out.seek(0)
                out.truncate()

    start = in_zone(slot.starts_at, zone)
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"roster-{slot.listing_id}-{start:%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _act(action: str, *, host: HostProfile, reference: str, reason: str) -> str:
    """Carry out the host's decision; what to tell them."""
    now = timezone.now()
    if action == "accept":
        services.accept_request(host=host, reference=reference, now=now)
        return _("Accepted: the guest has their confirmation.")
    if action == "decline":
        services.decline_request(host=host, reference=reference, reason=reason, now=now)
        return _("Declined: the guest has been told and the seats are free again.")
    booking = services.cancel_booking_as_host(
        host=host, reference=reference, reason=reason, now=now
    )
    if booking.refund_due:
        return _("Cancelled: the guest has been told and is due a full refund.")
    # A hold or a request (or a free booking): nothing was paid, no refund was recorded.
    return _("Cancelled: the guest has been told. Nothing was paid, so nothing is due.")


@host_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, host: HostProfile, reference: str) -> HttpResponse:
    """One booking on the host's listing. POST action=accept or decline (a request; declining
    may give a reason), or cancel (any active booking, with a reason: the guest is refunded in
    full and the cancellation counts against the host)."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    decline_form = OptionalReasonForm(data if action == "decline" else None, prefix="decline")
    cancel_form = ReasonForm(data if action == "cancel" else None, prefix="cancel")
    form = {"decline": decline_form, "cancel": cancel_form}.get(action)
    accept_error = ""
    status = 200
    if action == "accept" or (form is not None and form.is_valid()):
        reason = form.cleaned_data["reason"] if form is not None else ""
        try:
            done = _act(action, host=host, reference=reference, reason=reason)
        except NotFound:
            raise
        except DomainError as error:
            status = error.status_code
            if form is None:
                accept_error = message_of(error)
            else:
                show_error(form, error)
        else:
            messages.success(request, done)
            return redirect("hosting:booking", reference=reference)
    elif request.method == "POST":
        status = 400
        if form is None:
            accept_error = _("Choose what to do with the booking.")
    booking = selectors.get_booking_for_host(host=host, reference=reference)
    # A request or hold whose time ran out is over (declined, expired), swept or not: no
    # answer or cancellation is offered that could only be refused.
    shown = booking.shown_status
    context = {
        "booking": booking,
        "status": shown,
        "active": shown in Booking.ACTIVE,
        "accept_error": accept_error,
        "decline_form": decline_form,
        "cancel_form": cancel_form,
        "future": booking.slot.starts_at > timezone.now(),
    }
    return render(request, "hosting/booking.html", context, status=status)
