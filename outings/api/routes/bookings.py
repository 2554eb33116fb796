"""A guest's bookings, transfers and waiting lists, and staff's cancellation of any booking.

Every lookup is scoped to the caller: another guest's booking, transfer or waitlist entry is 404,
never 403. Holding seats requires an Idempotency-Key; every other write takes an optional one, so
that a retried request is answered with the first response instead of acting (or failing) again.
The link secret of a transfer is never in a response: it only goes by mail to its recipient.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.params import HeaderEx, P, PathEx

from outings.api import idempotency
from outings.api.auth import AUTHENTICATED, caller
from outings.api.caching import set_no_store
from outings.api.errors import responses
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.schemas import MAX_ID, Input, Text
from outings.bookings import selectors, services
from outings.bookings.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Booking,
    Transfer,
    WaitlistEntry,
)
from outings.bookings.services.cancellation import REASON_MAX
from outings.bookings.services.holds import MAX_SEATS
from outings.bookings.services.transfers import EMAIL_MAX
from outings.common.errors import DomainError

router = Router(tags=["bookings"], auth=AUTHENTICATED)
staff_router = Router(tags=["staff"], auth=AUTHENTICATED)

# Defined here rather than taken from hosting.common: the host routes import this module.
Id = PathEx[int, P(ge=1, le=MAX_ID)]
IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias=idempotency.HEADER,
        pattern=idempotency.KEY_PATTERN,
        description=idempotency.KEY_DESCRIPTION,
    ),
]
RequiredIdempotencyKey = HeaderEx[
    str,
    P(
        alias=idempotency.HEADER,
        pattern=idempotency.KEY_PATTERN,
        description=idempotency.KEY_DESCRIPTION + " Required.",
    ),
]
Reference = PathEx[
    str,
    P(
        pattern=f"^[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}$",
        description="The booking's reference, as in its mail.",
    ),
]
# secrets.token_urlsafe(24) makes 32 characters; the bounds leave room for a longer secret later.
TransferSecret = PathEx[
    str,
    P(
        pattern=r"^[A-Za-z0-9_-]{16,128}$",
        description="The secret of the transfer link, from the mail its recipient got.",
    ),
]
ERRORS = responses(400, 401, 403, 404, 409, 413, 422, 429)
# A confirmation asks the payment provider, which may decline (402 payment_declined).
CONFIRM_ERRORS = responses(400, 401, 402, 403, 404, 409, 413, 422, 429)
READ_ERRORS = responses(400, 401, 404, 429)
DELETE_ERRORS = responses(400, 401, 403, 404, 409, 429)

# A guest's bookings carry their pending transfer: one query for the whole page.
PENDING_TRANSFERS = Prefetch(
    "transfers",
    queryset=Transfer.objects.filter(status=Transfer.Status.PENDING).order_by("-id"),
    to_attr="pending_transfers",
)


# --- Schemas --------------------------------------------------------------------------------


class BookingIn(Input):
    slot_id: int = Field(ge=1, le=MAX_ID)
    seats: int = Field(ge=1, le=MAX_SEATS, description="Within the listing's group sizes.")


class TransferIn(Input):
    to_email: Text = Field(
        min_length=3,
        max_length=EMAIL_MAX,
        description="The email address of whoever should get the booking; not your own.",
        json_schema_extra={"format": "email"},
    )


class WaitlistIn(Input):
    seats: int = Field(
        ge=1, le=MAX_SEATS, description="Offered all at once or not at all, never in part."
    )


class ReasonIn(Input):
    reason: Text = Field(
        "", max_length=REASON_MAX, description="Told to the guest; kept with the booking."
    )


def reason_of(payload: ReasonIn | None) -> str:
    return "" if payload is None else payload.reason


class StaffReasonIn(Input):
    reason: Text = Field(
        min_length=1, max_length=REASON_MAX, description="Logged with your name; told to both."
    )


class PendingTransferOut(Schema):
    to_email: str
    created_at: datetime


class BookingFields(Schema):
    """What every reader of a booking sees."""

    reference: str
    status: str
    slot_id: int
    listing_id: int
    listing_title: str = Field(alias="listing.title")
    starts_at: datetime = Field(alias="slot.starts_at")
    ends_at: datetime = Field(alias="slot.ends_at")
    time_zone: str = Field(alias="listing.time_zone")
    seats: int
    unit_price: int = Field(description="Per seat, in minor units of `currency`.")
    total_price: int
    currency: str
    cancellation_policy: str
    payment_provider: str
    expires_at: datetime | None = Field(
        description="Held and requested bookings lapse at this moment unless confirmed."
    )
    created_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None
    cancelled_by: str = Field(description="guest, host, staff or system; empty unless cancelled.")
    cancel_reason: str
    refund_due: int | None = Field(description="Minor units due back to the guest, if any.")

    @staticmethod
    def resolve_expires_at(obj: Booking) -> datetime | None:
        # The model keeps the lapsed deadline after a decision; a client needs it only while
        # the booking is still pending.
        return obj.expires_at if obj.status in Booking.PENDING else None


class BookingOut(BookingFields):
    """A booking as its guest sees it."""

    transfer: PendingTransferOut | None = Field(
        description="A handover to someone else, waiting for them to accept."
    )

    @staticmethod
    def resolve_transfer(obj: Booking) -> Transfer | None:
        if obj.status != Booking.Status.CONFIRMED:
            return None  # ending a booking withdraws its transfer
        prefetched: list[Transfer] | None = getattr(obj, "pending_transfers", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return obj.transfers.filter(status=Transfer.Status.PENDING).order_by("-id").first()


class HostBookingOut(BookingFields):
    """A booking as the host of its listing (and staff) see it: with the guest's name."""

    guest_name: str

    @staticmethod
    def resolve_guest_name(obj: Booking) -> str:
        return obj.guest.get_full_name() or obj.guest.email


class TransferOut(Schema):
    reference: str = Field(alias="booking.reference", description="The booking's reference.")
    to_email: str
    status: str
    created_at: datetime


class WaitlistEntryOut(Schema):
    id: int
    slot_id: int
    listing_id: int = Field(alias="slot.listing_id")
    listing_title: str = Field(alias="slot.listing.title")
    starts_at: datetime = Field(alias="slot.starts_at")
    seats: int
    status: str = Field(description="waiting, offered, booked, lapsed, left or closed.")
    created_at: datetime
    booking: str | None = Field(
        description="The reference of the booking the seats were offered as: while `offered`, "
        "confirm it before it expires."
    )
    offer_expires_at: datetime | None

    @staticmethod
    def resolve_booking(obj: WaitlistEntry) -> str | None:
        offer = _offer_of(obj)
        return None if offer is None else offer.reference

    @staticmethod
    def resolve_offer_expires_at(obj: WaitlistEntry) -> datetime | None:
        offer = _offer_of(obj)
        if offer is None or obj.status != WaitlistEntry.Status.OFFERED:
            return None
        return offer.expires_at


def _offer_of(entry: WaitlistEntry) -> Booking | None:
    if entry.status not in (WaitlistEntry.Status.OFFERED, WaitlistEntry.Status.BOOKED):
        return None  # never offered (or the offer lapsed): do not look
    try:
        return entry.offer
    except ObjectDoesNotExist:
        return None


class BookingFilters(PageParams):
    when: Literal["upcoming", "past"] = Field(
        "upcoming",
        description="upcoming: active bookings of dates to come; past: dates that started and "
        "bookings that ended (cancelled, declined, expired).",
    )


# --- Helpers ----------------------------------------------------------------------------------


def in_body[T](action: Callable[[], T]) -> T:
    """Run a service; the fields its errors name are the request body's (`body.payload.seats`)."""
    try:
        return action()
    except DomainError as error:
        error.fields = {f"body.payload.{name}": messages for name, messages in error.fields.items()}
        raise


def no_content() -> HttpResponse:
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


def respond(
    request: HttpRequest,
    *,
    key: str | None,
    status: int,
    schema: type[Schema],
    action: Callable[[], object],
) -> HttpResponse:
    """Run a write once per Idempotency-Key; its answer is never stored by caches."""
    response = idempotency.respond(request, key=key, status=status, schema=schema, action=action)
    set_no_store(response)
    return response


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
    request: HttpRequest, reference: Reference, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Confirm a held booking (again: the same answer). 409 `hold_expired` when the hold lapsed
    and its seats were taken meanwhile; 409 `invalid_state` for a request the host has not
    answered yet, or a cancelled booking."""
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=BookingOut,
        action=lambda: services.confirm_booking(
            guest=caller(request), reference=reference, now=timezone.now()
        ),
    )


@router.post("/bookings/{reference}/cancel", response={200: BookingOut, **ERRORS})
def cancel_booking(
    request: HttpRequest, reference: Reference, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Cancel one of the caller's bookings before its date starts. A confirmed booking is due
    `refund_due` per the policy it was booked under; a hold or request simply ends. 409
    `invalid_state` when it already ended or its date started."""
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=BookingOut,
        action=lambda: services.cancel_booking(
            guest=caller(request), reference=reference, now=timezone.now()
        ),
    )


@router.post("/bookings/{reference}/transfer", response={202: TransferOut, **ERRORS})
def offer_transfer(
    request: HttpRequest,
    reference: Reference,
    payload: TransferIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Hand a confirmed booking to someone else: they get a link by mail and the booking moves
    when they accept it, signed in with that address. A pending offer to someone else is
    withdrawn. 202: the link is on its way (it is never in a response)."""
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
def withdraw_transfer(request: HttpRequest, reference: Reference) -> HttpResponse:
    """Take back a pending transfer; its link stops working. Nothing pending: nothing to do."""
    services.withdraw_transfer(guest=caller(request), reference=reference, now=timezone.now())
    return no_content()


@router.post("/transfers/{secret}/accept", response={200: BookingOut, **ERRORS})
def accept_transfer(
    request: HttpRequest, secret: TransferSecret, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """Take a booking handed to you: sign in with the address it was sent to. 404
    `invalid_link` for a link that is unknown, used or withdrawn; 403 `transfer_not_for_you`
    when you are signed in with another address."""
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
def leave_waitlist(request: HttpRequest, entry_id: Id) -> HttpResponse:
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
    """Staff only (anyone else: 404): cancel any booking, refunded in full; the reason is
    logged with your name."""
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=HostBookingOut,
        action=lambda: services.cancel_booking_as_staff(
            staff=caller(request), reference=reference, reason=payload.reason, now=timezone.now()
        ),
    )
