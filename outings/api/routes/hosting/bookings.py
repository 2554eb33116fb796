"""The bookings on a host's listings: list and read them, answer requests, cancel one, and the
roster of a date. Only bookings on the caller's own listings exist here (another host's are 404);
a caller who is not a host gets 403 `not_a_host`."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from outings.api.auth import AUTHENTICATED
from outings.api.caching import set_no_store
from outings.api.errors import responses
from outings.api.idempotency import respond
from outings.api.numbers import OptionalParamInt
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id, IdempotencyKey
from outings.api.routes.booking_schemas import (
    CONFIRM_ERRORS,
    ERRORS,
    HostBookingOut,
    ReasonIn,
    Reference,
    guest_name,
    reason_of,
)
from outings.api.routes.hosting.common import host
from outings.api.schemas import MAX_ID, NoBody
from outings.bookings import selectors, services
from outings.bookings.models import Booking
from outings.scheduling.models import Slot

router = Router(tags=["hosting"], auth=AUTHENTICATED)
READ_ERRORS = responses(400, 401, 403, 404, 429)


class HostBookingFilters(PageParams):
    listing_id: OptionalParamInt = Field(None, ge=1, le=MAX_ID, description="One of your listings.")
    slot_id: OptionalParamInt = Field(None, ge=1, le=MAX_ID, description="One of your dates.")
    status: Literal["held", "requested", "confirmed", "cancelled", "expired", "declined"] | None = (
        Field(None, description="requested: waiting for your answer.")
    )


class RosterSlotOut(Schema):
    id: int
    listing_id: int
    listing_title: str = Field(alias="listing.title")
    starts_at: datetime
    ends_at: datetime
    time_zone: str = Field(alias="listing.time_zone")
    capacity: int
    seats_taken: int = Field(
        description="Seats of the bookings listed (still running): a hold or request whose "
        "time ran out counts as free at once, before the sweep ends it (until session 24 it "
        "counted until the sweep)."
    )
    status: str

    @staticmethod
    def resolve_seats_taken(obj: Slot) -> int:
        return obj.seats_held


class RosterEntryOut(Schema):
    reference: str
    status: str = Field(description="held, requested or confirmed.")
    seats: int
    guest_name: str
    guest_email: str = Field(alias="guest.email")
    created_at: datetime
    confirmed_at: datetime | None
    expires_at: datetime | None

    @staticmethod
    def resolve_guest_name(obj: Booking) -> str:
        return guest_name(obj)  # as the host's bookings give it (it was blank for no name)


class RosterOut(Schema):
    slot: RosterSlotOut
    items: list[RosterEntryOut] = Field(description="The bookings holding seats, oldest first.")
    next: str | None = Field(description="Cursor of the next page, if there is one.")
    previous: str | None = Field(description="Cursor of the previous page, if there is one.")


@router.get(
    "/host/bookings", response={200: Paged[HostBookingOut], **responses(400, 401, 403, 429)}
)
def list_host_bookings(
    request: HttpRequest, response: HttpResponse, filters: Query[HostBookingFilters]
) -> Page[Booking]:
    """Bookings on the caller's listings, most recently made first, optionally of one listing,
    one date or one status (another host's listing or date simply matches nothing)."""
    owner = host(request)
    bookings = selectors.bookings_of_host(host=owner)
    if filters.listing_id is not None:
        bookings = bookings.filter(listing_id=filters.listing_id)
    if filters.slot_id is not None:
        bookings = bookings.filter(slot_id=filters.slot_id)
    if filters.status is not None:
        # As each booking's status reads (a request whose time ran out is declined, swept or not).
        bookings = bookings.filter(selectors.shown_as(filters.status, now=timezone.now()))
    set_no_store(response)
    return paginate(
        bookings,
        ordering=("-id",),
        cursor=filters.cursor,
        limit=filters.limit,
        namespace=filters.namespace(f"host-bookings:{owner.pk}"),
    )


@router.get("/host/bookings/{reference}", response={200: HostBookingOut, **READ_ERRORS})
def get_host_booking(request: HttpRequest, response: HttpResponse, reference: Reference) -> Booking:
    """A booking on one of the caller's listings."""
    set_no_store(response)
    return selectors.get_booking_for_host(host=host(request), reference=reference)


@router.post("/host/bookings/{reference}/accept", response={200: HostBookingOut, **CONFIRM_ERRORS})
def accept_booking_request(
    request: HttpRequest,
    reference: Reference,
    payload: NoBody = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Accept a booking request: it is confirmed and the guest told. 409 `invalid_state` when it
    is not waiting for an answer (its message says what it is: confirmed, withdrawn, declined,
    cancelled and by whom), `hold_expired` when it lapsed."""
    owner = host(request)
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=HostBookingOut,
        action=lambda: services.accept_request(host=owner, reference=reference, now=timezone.now()),
    )


@router.post("/host/bookings/{reference}/decline", response={200: HostBookingOut, **ERRORS})
def decline_booking_request(
    request: HttpRequest,
    reference: Reference,
    payload: ReasonIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Decline a booking request; its seats are freed at once. 409 `invalid_state` when it is
    not waiting for an answer, `hold_expired` when it lapsed (Outings declined it)."""
    owner = host(request)
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=HostBookingOut,
        action=lambda: services.decline_request(
            host=owner, reference=reference, reason=reason_of(payload), now=timezone.now()
        ),
    )


@router.post("/host/bookings/{reference}/cancel", response={200: HostBookingOut, **ERRORS})
def cancel_host_booking(
    request: HttpRequest,
    reference: Reference,
    payload: ReasonIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Cancel a booking on one of your listings before its date: the guest is due everything
    they paid, and the cancellation counts against you. 409 `invalid_state` when it already
    ended or its date started."""
    owner = host(request)
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=HostBookingOut,
        action=lambda: services.cancel_booking_as_host(
            host=owner, reference=reference, reason=reason_of(payload), now=timezone.now()
        ),
    )


@router.get("/host/slots/{slot_id}/roster", response={200: RosterOut, **READ_ERRORS})
def get_roster(
    request: HttpRequest, response: HttpResponse, slot_id: Id, page: Query[PageParams]
) -> dict[str, Slot | list[Booking] | str | None]:
    """One of the caller's dates and the bookings that hold seats on it, with each guest's name
    and email address."""
    now = timezone.now()
    slot = selectors.slot_of_host(host=host(request), slot_id=slot_id, now=now)
    result = paginate(
        selectors.active_bookings_on(slot=slot, now=now),
        ordering=("id",),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"roster:{slot.pk}",
    )
    set_no_store(response)
    return {"slot": slot, "items": result.items, "next": result.next, "previous": result.previous}
