"""A guest's bookings, transfers and waiting lists, and staff's cancellation of any booking.

Every lookup is scoped to the caller: another guest's booking, transfer or waitlist entry is 404,
never 403. Holding seats requires an Idempotency-Key; every other write takes an optional one, so
that a retried request is answered with the first response instead of acting (or failing) again.
The link secret of a transfer is never in a response: it only goes by mail to its recipient.
"""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from outings.api.auth import AUTHENTICATED, caller
from outings.api.caching import set_no_store
from outings.api.errors import responses
from outings.api.idempotency import respond
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id, IdempotencyKey, RequiredIdempotencyKey
from outings.api.routes.booking_schemas import (
    CONFIRM_ERRORS,
    DELETE_ERRORS,
    ERRORS,
    PENDING_TRANSFERS,
    READ_ERRORS,
    BookingFilters,
    BookingIn,
    BookingOut,
    CancelIn,
    HostBookingOut,
    Reference,
    StaffReasonIn,
    TransferIn,
    TransferOut,
    TransferSecret,
    WaitlistEntryOut,
    WaitlistIn,
    in_body,
    no_content,
)
from outings.api.schemas import NoBody
from outings.bookings import selectors, services
from outings.bookings.errors import RefundChanged
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.services.cancellation import Unchecked

router = Router(tags=["bookings"], auth=AUTHENTICATED)
staff_router = Router(tags=["staff"], auth=AUTHENTICATED)


# --- The guest's bookings ---------------------------------------------------------------------


@router.post("/bookings", response={201: BookingOut, **ERRORS})
def create_booking(
    request: HttpRequest, payload: BookingIn, idempotency_key: RequiredIdempotencyKey
) -> HttpResponse:
    """Hold seats on a date: `held` for BOOKINGS_HOLD_MINUTES (confirm it), or `requested` when
    the host accepts bookings by request. 409 `slot_full` when not enough seats are left,
    `slot_unavailable` when the date started or was cancelled."""
    return respond(
        request,
        key=idempotency_key,
        status=201,
        schema=BookingOut,
        action=lambda: in_body(
            lambda: services.hold_seats(
                guest=caller(request),
                slot_id=payload.slot_id,
                seats=payload.seats,
                now=timezone.now(),
            ),
        ),
    )


@router.get("/bookings", response={200: Paged[BookingOut], **responses(400, 401, 429)})
def list_bookings(
    request: HttpRequest, response: HttpResponse, filters: Query[BookingFilters]
) -> Page[Booking]:
    """The caller's bookings, most recently made first."""
    guest, now = caller(request), timezone.now()
    bookings = (
        selectors.upcoming_for_guest(guest=guest, now=now)
        if filters.when == "upcoming"
        else selectors.past_for_guest(guest=guest, now=now)
    )
    set_no_store(response)
    return paginate(
        bookings.prefetch_related(PENDING_TRANSFERS),
        ordering=("-id",),
        cursor=filters.cursor,
        limit=filters.limit,
        namespace=f"bookings:{guest.pk}:{filters.when}",
    )


@router.get("/bookings/{reference}", response={200: BookingOut, **READ_ERRORS})
def get_booking(request: HttpRequest, response: HttpResponse, reference: Reference) -> Booking:
    """One of the caller's bookings."""
    set_no_store(response)
    return selectors.get_booking_for_guest(guest=caller(request), reference=reference)


@router.post("/bookings/{reference}/confirm", response={200: BookingOut, **CONFIRM_ERRORS})
def confirm_booking(
    request: HttpRequest,
    reference: Reference,
    payload: NoBody = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Confirm a held booking (again: the same answer; a waiting-list offer on a listing by
    request, once said yes to, answers with its request). 409 `hold_expired` when the hold
    lapsed and its seats were taken meanwhile; 409 `invalid_state` for a request the host has
    not answered yet, or a cancelled booking."""

    def confirm() -> Booking:
        now = timezone.now()
        booking = services.confirm_booking(guest=caller(request), reference=reference, now=now)
        if booking.confirmed_at == now:
            # Confirmed by this request: nothing can have been handed over yet (spares the
            # response its query for a pending transfer).
            booking.pending_transfers = []  # type: ignore[attr-defined] # PENDING_TRANSFERS.to_attr
        return booking

    return respond(request, key=idempotency_key, status=200, schema=BookingOut, action=confirm)


@router.post("/bookings/{reference}/cancel", response={200: BookingOut, **ERRORS})
def cancel_booking(
    request: HttpRequest,
    reference: Reference,
    payload: CancelIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Cancel one of the caller's bookings before its date starts. A confirmed booking is due
    `refund_due` per the policy it was booked under; a hold or request simply ends. 409
    `invalid_state` when it already ended or its date started; 409 `refund_changed` when the
    body's `expected_refund` is not what cancelling now gives."""

    def cancel() -> Booking:
        try:
            return services.cancel_booking(
                guest=caller(request),
                reference=reference,
                now=timezone.now(),
                expected_refund=Unchecked.REFUND if payload is None else payload.expectation(),
            )
        except RefundChanged as changed:
            # The booking as it is now, with the refund cancelling it gives (docs/api.md).
            changed.fields["current"] = BookingOut.from_orm(changed.current).model_dump(mode="json")
            raise

    return respond(request, key=idempotency_key, status=200, schema=BookingOut, action=cancel)


@router.post("/bookings/{reference}/transfer", response={202: TransferOut, **ERRORS})
def offer_transfer(
    request: HttpRequest,
    reference: Reference,
    payload: TransferIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Hand a confirmed booking to someone else: they get a link by mail and the booking moves
    when they accept it, signed in with that address. A pending offer to someone else is
    withdrawn; one to the same address is the answer, and no second mail goes. 202: the link
    is on its way (it is never in a response)."""
    return respond(
        request,
        key=idempotency_key,
        status=202,
        schema=TransferOut,
        action=lambda: in_body(
            lambda: services.offer_transfer(
                guest=caller(request),
                reference=reference,
                to_email=payload.to_email,
                now=timezone.now(),
            )[0],
        ),
    )


@router.delete("/bookings/{reference}/transfer", response={204: None, **DELETE_ERRORS})
def withdraw_transfer(
    request: HttpRequest, reference: Reference, payload: NoBody = None
) -> HttpResponse:
    """Take back a pending transfer; its link stops working. Nothing pending: nothing to do."""
    services.withdraw_transfer(guest=caller(request), reference=reference, now=timezone.now())
    return no_content()


@router.post("/transfers/{secret}/accept", response={200: BookingOut, **ERRORS})
def accept_transfer(
    request: HttpRequest,
    secret: TransferSecret,
    payload: NoBody = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Take a booking handed to you: sign in with the address it was sent to. 404
    `invalid_link` for a link that is unknown, used or withdrawn; 404 `transfer_not_for_you`
    when you are signed in with another address (another user's booking is a 404)."""
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=BookingOut,
        action=lambda: services.accept_transfer(
            user=caller(request), secret=secret, now=timezone.now()
        ),
    )


# --- Waiting lists ----------------------------------------------------------------------------


@router.post("/slots/{slot_id}/waitlist", response={201: WaitlistEntryOut, **ERRORS})
def join_waitlist(
    request: HttpRequest, slot_id: Id, payload: WaitlistIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Wait for `seats` seats on a full date. When that many free up, they are offered to you as
    a hold to confirm before a deadline. 409 `seats_available` while enough are free (book
    them), `already_waiting` when you already wait for this date."""
    return respond(
        request,
        key=idempotency_key,
        status=201,
        schema=WaitlistEntryOut,
        action=lambda: in_body(
            lambda: services.join_waitlist(
                guest=caller(request), slot_id=slot_id, seats=payload.seats, now=timezone.now()
            ),
        ),
    )


@router.get("/waitlist", response={200: Paged[WaitlistEntryOut], **responses(400, 401, 429)})
def list_waitlist(
    request: HttpRequest, response: HttpResponse, page: Query[PageParams]
) -> Page[WaitlistEntry]:
    """The caller's waitlist entries, newest first, whatever became of them."""
    guest = caller(request)
    set_no_store(response)
    return paginate(
        selectors.waitlist_of_guest(guest=guest).select_related("offer"),
        ordering=("-id",),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"waitlist:{guest.pk}",
    )


@router.delete("/waitlist/{entry_id}", response={204: None, **DELETE_ERRORS})
def leave_waitlist(request: HttpRequest, entry_id: Id, payload: NoBody = None) -> HttpResponse:
    """Leave a waiting list; seats offered to you and not yet confirmed pass to the next guest.
    409 `invalid_state` when you are no longer on it."""
    services.leave_waitlist(guest=caller(request), entry_id=entry_id, now=timezone.now())
    return no_content()


# --- Staff ------------------------------------------------------------------------------------


@staff_router.post("/staff/bookings/{reference}/cancel", response={200: HostBookingOut, **ERRORS})
def cancel_booking_as_staff(
    request: HttpRequest,
    reference: Reference,
    payload: StaffReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Staff who may change bookings only (anyone else: 404): cancel any booking, refunded in
    full; the reason is logged with your name."""
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=HostBookingOut,
        action=lambda: services.cancel_booking_as_staff(
            staff=caller(request), reference=reference, reason=payload.reason, now=timezone.now()
        ),
    )
