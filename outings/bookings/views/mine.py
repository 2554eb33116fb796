""" "My bookings": upcoming and past, in keyset pages on (start, id)."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from outings.accounts.requests import signed_in_user
from outings.bookings import selectors
from outings.bookings.models import Booking, WaitlistEntry
from outings.common import pagetokens
from outings.common.pagetokens import BadCursor

WAITLIST_SHOWN = 20


def encode_cursor(booking: Booking) -> str:
    return pagetokens.encode_instant_id(booking.slot.starts_at, booking.pk)


def decode_cursor(token: str) -> tuple[datetime, int]:
    """(start, id) a page token continues after; BadCursor for anything encode_cursor did not
    make."""
    return pagetokens.decode_instant_id(token)


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
    guest, now = signed_in_user(request), timezone.now()
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
            .select_related("offer")  # an open offer links to its booking, to confirm it
            .filter(
                status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
                slot__starts_at__gt=now,
            )
            # An offer whose time ran out has lapsed, as the sweep will record (and the API
            # and the offer's page read it already): it was listed as "Offered" until then.
            .exclude(
                status=WaitlistEntry.Status.OFFERED,
                offer__status__in=Booking.PENDING,
                offer__expires_at__lte=now,
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
