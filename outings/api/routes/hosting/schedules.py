"""A listing's schedules and slots for its host. Times are wall-clock times in the listing's own
zone; slots are materialised on every change (and hourly) up to the horizon."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from outings.accounts.models import HostProfile
from outings.api.auth import AUTHENTICATED
from outings.api.caching import set_no_store
from outings.api.errors import responses
from outings.api.idempotency import respond
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id, IdempotencyKey
from outings.api.routes.booking_schemas import ReasonIn, reason_of
from outings.api.routes.hosting.common import (
    IfMatch,
    IfMatchWrite,
    change_versioned,
    created,
    edit_versioned,
    host,
    no_content,
)
from outings.api.routes.hosting.schemas import (
    EXCEPTION_ORDER,
    CapacityIn,
    ExceptionIn,
    ExceptionOut,
    HostSlotOut,
    ScheduleIn,
    ScheduleOut,
    ScheduleUpdateIn,
    exceptions_namespace,
    with_first_exceptions,
)
from outings.api.schemas import NoBody
from outings.bookings import services as bookings_services
from outings.bookings.selectors import with_seats_left
from outings.catalog.services import own_listing
from outings.common.errors import NotFound
from outings.hosting.selectors import dates_in_view
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot

router = Router(tags=["hosting"], auth=AUTHENTICATED)
ERRORS = responses(400, 401, 403, 404, 409, 429)
CREATE_ERRORS = responses(400, 401, 403, 404, 409, 422, 429)


def _schedule(owner: HostProfile, listing_id: int, schedule_id: int) -> Schedule:
    schedule = Schedule.objects.filter(
        pk=schedule_id, listing_id=listing_id, listing__host=owner
    ).first()
    if schedule is None:
        raise NotFound()
    return schedule


@router.get(
    "/host/listings/{listing_id}/schedules",
    response={200: Paged[ScheduleOut], **responses(400, 401, 403, 404, 429)},
)
def list_schedules(
    request: HttpRequest, response: HttpResponse, listing_id: Id, page: Query[PageParams]
) -> Page[Schedule]:
    """The listing's rules, each with its first exceptions (`exceptions_next` pages on)."""
    listing = own_listing(host=host(request), listing_id=listing_id)
    set_no_store(response)
    return paginate(
        with_first_exceptions(Schedule.objects.filter(listing=listing)),
        ordering=("id",),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"schedules:{listing_id}",
    )


@router.post("/host/listings/{listing_id}/schedules", response={201: ScheduleOut, **CREATE_ERRORS})
def create_schedule(
    request: HttpRequest,
    listing_id: Id,
    payload: ScheduleIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """A weekly rule, or one date (`kind: once`). Overlapping another rule is a 409."""
    owner = host(request)
    return created(
        request,
        key=idempotency_key,
        schema=ScheduleOut,
        where="body.payload",
        action=lambda: services.create_schedule(
            host=owner, listing_id=listing_id, data=payload.to_data(), now=timezone.now()
        ),
    )


@router.put(
    "/host/listings/{listing_id}/schedules/{schedule_id}",
    response={200: ScheduleOut, **responses(400, 401, 403, 404, 409, 412, 429)},
)
def update_schedule(
    request: HttpRequest,
    response: HttpResponse,
    listing_id: Id,
    schedule_id: Id,
    payload: ScheduleUpdateIn,
    if_match: IfMatch = None,
) -> Schedule:
    """Replace a rule; refused if it would drop a booked slot or shrink one below its seats.
    A new capacity moves the dates that follow the rule, not a date whose places were set on it
    (`PATCH …/slots/{slot_id}`); seats a larger capacity adds go to the dates' waiting lists
    first. Say which version the
    edit is based on, as for a listing: If-Match with the rule's ETag (`"<version>"`; a stale
    one is 412) or `version` (a stale one is 409 with the current rule in
    `error.fields.current`); without either, the edit is refused (400)."""
    owner = host(request)
    return edit_versioned(
        request,
        response,
        version=payload.version,
        schema=ScheduleOut,
        required=False,  # v1 took schedule edits without a version: they stay unconditional
        edit=lambda expected: bookings_services.update_schedule(
            host=owner,
            listing_id=listing_id,
            schedule_id=schedule_id,
            data=payload.to_data(),
            now=timezone.now(),
            expected_version=expected,
        ),
    )


@router.delete(
    "/host/listings/{listing_id}/schedules/{schedule_id}",
    response={204: None, **ERRORS, **responses(412)},
)
def delete_schedule(
    request: HttpRequest,
    listing_id: Id,
    schedule_id: Id,
    if_match: IfMatchWrite = None,
    payload: NoBody = None,
) -> HttpResponse:
    """Delete the rule and its unbooked dates to come; refused (409) while one is booked. With
    If-Match (the rule's ETag, `"<version>"`), only if the rule is still as you read it (412
    otherwise)."""
    owner = host(request)
    change_versioned(
        request,
        lambda expected: services.delete_schedule(
            host=owner,
            listing_id=listing_id,
            schedule_id=schedule_id,
            now=timezone.now(),
            expected_version=expected,
        ),
    )
    return no_content()


@router.post(
    "/host/listings/{listing_id}/schedules/{schedule_id}/exceptions",
    response={201: ExceptionOut, **CREATE_ERRORS},
)
def add_exception(
    request: HttpRequest,
    listing_id: Id,
    schedule_id: Id,
    payload: ExceptionIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Cancel a day (or one start of it), or move one start to another time."""
    owner = host(request)
    return created(
        request,
        key=idempotency_key,
        schema=ExceptionOut,
        where="body.payload",
        action=lambda: services.add_schedule_exception(
            host=owner,
            listing_id=listing_id,
            schedule_id=schedule_id,
            day=payload.day,
            start_time=payload.start_time,
            action=payload.action,
            new_time=payload.new_time,
            now=timezone.now(),
        ),
    )


@router.get(
    "/host/listings/{listing_id}/schedules/{schedule_id}/exceptions",
    response={200: Paged[ExceptionOut], **responses(400, 401, 403, 404, 429)},
)
def list_exceptions(
    request: HttpRequest,
    response: HttpResponse,
    listing_id: Id,
    schedule_id: Id,
    page: Query[PageParams],
) -> Page[ScheduleException]:
    """A rule's exceptions by day (then id), past ones included: where its `exceptions_next`
    continues, or from the start."""
    schedule = _schedule(host(request), listing_id, schedule_id)
    set_no_store(response)
    return paginate(
        ScheduleException.objects.filter(schedule=schedule),
        ordering=EXCEPTION_ORDER,
        cursor=page.cursor,
        limit=page.limit,
        namespace=exceptions_namespace(schedule.pk),
    )


@router.delete(
    "/host/listings/{listing_id}/schedules/{schedule_id}/exceptions/{exception_id}",
    response={204: None, **ERRORS},
)
def remove_exception(
    request: HttpRequest,
    listing_id: Id,
    schedule_id: Id,
    exception_id: Id,
    payload: NoBody = None,
) -> HttpResponse:
    services.remove_schedule_exception(
        host=host(request),
        listing_id=listing_id,
        schedule_id=schedule_id,
        exception_id=exception_id,
        now=timezone.now(),
    )
    return no_content()


@router.get(
    "/host/listings/{listing_id}/slots",
    response={200: Paged[HostSlotOut], **responses(400, 401, 403, 404, 429)},
)
def list_slots(
    request: HttpRequest, response: HttpResponse, listing_id: Id, page: Query[PageParams]
) -> Page[Slot]:
    """The listing's dates as its host's pages list them (hosting.selectors.dates_in_view):
    from the one under way (begun, not ended), with the cancelled ones to come, soonest first.
    `seats_taken` is the seats of bookings still running, as the roster lists them: a hold or
    request whose time ran out counts as free before the sweep ends it."""
    listing = own_listing(host=host(request), listing_id=listing_id)
    set_no_store(response)
    return paginate(
        dates_in_view(listing_ids=[listing.pk], now=timezone.now()),
        ordering=("starts_at", "id"),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"host-slots:{listing_id}",
    )


@router.patch(
    "/host/listings/{listing_id}/slots/{slot_id}",
    response={200: HostSlotOut, **ERRORS, **responses(412)},
)
def change_slot_capacity(
    request: HttpRequest,
    response: HttpResponse,
    listing_id: Id,
    slot_id: Id,
    payload: CapacityIn,
    if_match: IfMatch = None,
) -> Slot:
    """Set one slot's capacity; never below its seats taken (409), and not on a cancelled date
    or one that has started (409 `invalid_state`). Seats it adds are offered to the date's
    waiting list first. Say
    which version it is based on, as for a listing: If-Match with the slot's `version`
    (`"<version>"`; a stale one is 412) or `version` (a stale one is 409 with the current slot
    in `error.fields.current`). The version moves with the capacity, not with seats taken: a
    booking meanwhile makes it stale for nobody. v1 took this edit without a version, so one
    without either stays unconditional."""
    owner = host(request)
    now = timezone.now()
    changed = edit_versioned(
        request,
        response,
        version=payload.version,
        schema=HostSlotOut,
        required=False,  # v1 took capacity edits without a version: they stay unconditional
        edit=lambda expected: bookings_services.change_slot_capacity(
            host=owner,
            listing_id=listing_id,
            slot_id=slot_id,
            capacity=payload.capacity,
            now=now,
            expected_version=expected,
        ),
    )
    # As the list gives it: its seats taken those of bookings still running (the counter's,
    # lapsed holds included, until session 24).
    return with_seats_left(Slot.objects.filter(pk=changed.pk), now=now).get()


@router.post(
    "/host/listings/{listing_id}/slots/{slot_id}/cancel",
    response={200: HostSlotOut, **responses(400, 401, 403, 404, 409, 412, 422, 429)},
)
def cancel_slot(
    request: HttpRequest,
    listing_id: Id,
    slot_id: Id,
    payload: ReasonIn | None = None,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatchWrite = None,
) -> HttpResponse:
    """Cancel a date that has not started, booked or not: every booking on it is cancelled and
    refunded in full, each guest is told (with the optional `reason`), and each cancellation
    counts against you. 409 `invalid_state` for a date already cancelled or started. With
    If-Match (the date's `version`, `"<version>"`), only if its places are still as you read
    them (412 otherwise)."""
    owner = host(request)
    return respond(
        request,
        key=idempotency_key,
        status=200,
        schema=HostSlotOut,
        action=lambda: change_versioned(
            request,
            lambda expected: bookings_services.cancel_slot(
                host=owner,
                listing_id=listing_id,
                slot_id=slot_id,
                reason=reason_of(payload),
                now=timezone.now(),
                expected_version=expected,
            ),
        ),
    )
