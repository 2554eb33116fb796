"""A guest's bookings: hold seats, confirm, read. Every lookup is scoped to the caller: another
guest's booking is 404. Seat-taking POSTs require an Idempotency-Key."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.params import HeaderEx, P, PathEx

from outings.api import idempotency
from outings.api.auth import AUTHENTICATED, caller
from outings.api.caching import set_no_store
from outings.api.errors import responses
from outings.api.schemas import MAX_ID, Input
from outings.bookings import selectors, services
from outings.bookings.models import REFERENCE_ALPHABET, REFERENCE_LENGTH, Booking

router = Router(tags=["bookings"], auth=AUTHENTICATED)

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
ERRORS = responses(400, 401, 403, 404, 409, 413, 422, 429)


class BookingIn(Input):
    slot_id: int = Field(ge=1, le=MAX_ID)
    seats: int = Field(ge=1, le=50, description="Within the listing's group sizes.")


class BookingOut(Schema):
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
    cancelled_by: str
    refund_due: int | None


@router.post("/bookings", response={201: BookingOut, **ERRORS})
def create_booking(
    request: HttpRequest, payload: BookingIn, idempotency_key: RequiredIdempotencyKey
) -> HttpResponse:
    """Hold seats on a date: `held` for BOOKINGS_HOLD_MINUTES (confirm it), or `requested` when
    the host accepts bookings by request. 409 `slot_full` when not enough seats are left."""
    response = idempotency.respond(
        request,
        key=idempotency_key,
        status=201,
        schema=BookingOut,
        action=lambda: services.hold_seats(
            guest=caller(request),
            slot_id=payload.slot_id,
            seats=payload.seats,
            now=timezone.now(),
        ),
    )
    set_no_store(response)
    return response


@router.get("/bookings/{reference}", response={200: BookingOut, **responses(400, 401, 404, 429)})
def get_booking(request: HttpRequest, response: HttpResponse, reference: Reference) -> Booking:
    """One of the caller's bookings."""
    set_no_store(response)
    return selectors.get_booking_for_guest(guest=caller(request), reference=reference)


@router.post("/bookings/{reference}/confirm", response={200: BookingOut, **ERRORS})
def confirm_booking(request: HttpRequest, response: HttpResponse, reference: Reference) -> Booking:
    """Confirm a held booking (again: the same answer). 409 `hold_expired` when the hold lapsed
    and its seats were taken meanwhile."""
    set_no_store(response)
    return services.confirm_booking(
        guest=caller(request), reference=reference, now=timezone.now()
    )
