"""What the booking routes (a guest's, a host's, staff's) share: path and header parameters,
error sets, request and response schemas, and the helpers that run a write once per
Idempotency-Key. The host routes import these too, so they are defined here rather than in
routes.hosting.common."""

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Schema
from ninja.params import P, PathEx

from outings.api.errors import responses
from outings.api.pagination import PageParams
from outings.api.schemas import MAX_ID, Input, Int, OptionalInt, Text
from outings.bookings.converters import TRANSFER_SECRET_PATTERN
from outings.bookings.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Booking,
    Transfer,
    WaitlistEntry,
)
from outings.bookings.services.cancellation import (
    REASON_MAX,
    ExpectedRefund,
    Unchecked,
    guest_refund,
)
from outings.bookings.services.holds import MAX_SEATS
from outings.bookings.services.transfers import EMAIL_MAX
from outings.common.errors import DomainError

Reference = PathEx[
    str,
    P(
        pattern=f"^[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}$",
        description="The booking's reference, as in its mail.",
    ),
]
TransferSecret = PathEx[
    str,
    P(
        pattern=f"^{TRANSFER_SECRET_PATTERN}$",
        description="The secret of the transfer link, from the mail its recipient got.",
    ),
]
ERRORS = responses(400, 401, 403, 404, 409, 422, 429)
# A confirmation asks the payment provider, which may decline (402 payment_declined).
CONFIRM_ERRORS = responses(400, 401, 402, 403, 404, 409, 422, 429)
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
    slot_id: Int = Field(ge=1, le=MAX_ID)
    seats: Int = Field(ge=1, le=MAX_SEATS, description="Within the listing's group sizes.")


class TransferIn(Input):
    to_email: Text = Field(
        min_length=3,
        max_length=EMAIL_MAX,
        description="The email address of whoever should get the booking; not your own.",
        json_schema_extra={"format": "email"},
    )


class WaitlistIn(Input):
    seats: Int = Field(
        ge=1, le=MAX_SEATS, description="Offered all at once or not at all, never in part."
    )


class CancelIn(Input):
    expected_refund: OptionalInt = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="The `refund_if_cancelled` the guest was shown and agreed to (null: nothing "
        "due, a hold or a request). When cancelling now gives anything else, nothing changes: "
        "409 `refund_changed`, with the booking as it is in `error.fields.current`. Leave it out "
        "to cancel whatever the policy gives at that moment.",
    )

    def expectation(self) -> ExpectedRefund:
        # Given as null is an expectation (nothing due); left out is none.
        given = "expected_refund" in self.model_fields_set
        return self.expected_refund if given else Unchecked.REFUND


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
    def resolve_status(obj: Booking) -> str:
        # A hold or request whose time ran out is expired or declined from that moment, as the
        # pages show it, before the sweep records it.
        return obj.shown_status

    @staticmethod
    def resolve_expires_at(obj: Booking) -> datetime | None:
        # The model keeps the lapsed deadline after a decision; a client needs it only while
        # the booking is still pending.
        return obj.expires_at if obj.shown_status in Booking.PENDING else None


class BookingOut(BookingFields):
    """A booking as its guest sees it."""

    transfer: PendingTransferOut | None = Field(
        description="A handover to someone else, waiting for them to accept."
    )
    refund_if_cancelled: int | None = Field(
        description="Minor units the guest would get back by cancelling now, by the "
        "cancellation policy the booking was made under (what the cancel then records as "
        "`refund_due`); null when it cannot be cancelled now, or nothing was paid (a hold or "
        "a request)."
    )

    @staticmethod
    def resolve_refund_if_cancelled(obj: Booking) -> int | None:
        return guest_refund(obj, now=timezone.now())

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
        return guest_name(obj)


def guest_name(booking: Booking) -> str:
    """How a host reads the booking's guest: their name, or their address if they gave none."""
    return booking.guest.get_full_name() or booking.guest.email


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
        "confirm it before it expires (on a listing by request, confirming it asks the host)."
    )
    offer_expires_at: datetime | None

    @staticmethod
    def resolve_status(obj: WaitlistEntry) -> str:
        # An offer is a hold: once its time ran out it has lapsed, as its booking reads expired,
        # before the sweep records both.
        if obj.status == WaitlistEntry.Status.OFFERED and _offer_lapsed(obj):
            return WaitlistEntry.Status.LAPSED
        return obj.status_at(timezone.now())  # closed once its date has begun

    @staticmethod
    def resolve_booking(obj: WaitlistEntry) -> str | None:
        offer = _offer_of(obj)
        return None if offer is None else offer.reference

    @staticmethod
    def resolve_offer_expires_at(obj: WaitlistEntry) -> datetime | None:
        offer = _offer_of(obj)
        if offer is None or obj.status != WaitlistEntry.Status.OFFERED or _offer_lapsed(obj):
            return None
        return offer.expires_at


def _offer_lapsed(entry: WaitlistEntry) -> bool:
    offer = _offer_of(entry)
    return offer is not None and offer.shown_status not in Booking.PENDING


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
