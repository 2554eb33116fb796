"""What the host routes share: the caller as a host, path parameters, error field names, and
the answers to an edit of a versioned record (a listing, a schedule, a photo, the photo order)."""

from collections.abc import Callable
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.params import HeaderEx, P

from outings.accounts.models import HostProfile
from outings.api import idempotency
from outings.api.auth import caller
from outings.api.caching import PreconditionFailed, if_match_values, set_cache_headers
from outings.api.errors import ValidationFailed, located
from outings.catalog.services import host_of
from outings.common.errors import Conflict, StaleVersion

IfMatch = HeaderEx[
    str | None,
    P(
        alias="If-Match",
        max_length=1000,
        description="The ETag of what you edit: the edit is refused with 412 if it changed since.",
    ),
]


def host(request: HttpRequest) -> HostProfile:
    """The caller's host profile; 403 not_a_host for anyone else."""
    return host_of(caller(request))


def created(
    request: HttpRequest,
    *,
    key: str | None,
    schema: type[Schema],
    where: str,
    action: Callable[[], object],
) -> HttpResponse:
    """A 201 with what `action` created, once per Idempotency-Key (a retry gets the first
    answer); its field errors are named from `where` (located)."""
    return idempotency.respond(
        request, key=key, status=201, schema=schema, action=lambda: located(where, action)
    )


def no_content() -> HttpResponse:
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


def etag_of(record: Versioned) -> str:
    # The quoted version itself, so that If-Match values compare with versions directly.
    return f'"{record.version}"'


def edit_versioned[T: Versioned](
    request: HttpRequest,
    response: HttpResponse,
    *,
    version: int | None,
    schema: type[Schema],
    edit: Callable[[int | set[int] | None], T],
    required: bool = True,
) -> T:
    """Run `edit` with the version(s) the caller based it on: those of If-Match (any of them
    may be current, RFC 9110; none readable is a 412) and the body's `version`, each of which
    must hold when both are sent; neither is a 400, or with `required=False` an unconditional
    edit (None: a route that took no version when v1 was published keeps taking none,
    docs/api.md "Versioning"). The service compares them under the record's row lock and
    refuses an old one (a StaleVersion: ListingConflict, ScheduleConflict, PhotoConflict,
    PhotoOrderConflict, SlotConflict): a 412 when If-Match does not name the current version
    (the precondition, checked first), else a 409 conflict for the body's stale `version`, with
    the record as it is now (in `schema`) in `error.fields.current`. The answer carries the new
    ETag."""
    tags = if_match_values(request)
    expected: int | set[int] | None
    versions: set[int] = set()
    if tags is not None:
        # isdigit() alone takes "²", which int() refuses.
        versions = {int(tag) for tag in tags if tag.isascii() and tag.isdigit() and len(tag) < 10}
        if not versions:
            raise PreconditionFailed()
        # With the body's version too, the record must be at one that both name (none, when
        # they disagree: then one of them is stale, and which one says 412 or 409).
        expected = versions if version is None else versions & {version}
    elif version is not None:
        expected = version
    elif not required:
        expected = None
    else:
        raise ValidationFailed(
            fields={"body.payload.version": [_("Send If-Match or the version you edited.")]}
        )
    try:
        record = located("body.payload", lambda: edit(expected))
    except StaleVersion as conflict:
        if tags is not None and conflict.current.version not in versions:
            raise PreconditionFailed() from conflict
        current = schema.from_orm(conflict.current).model_dump(mode="json")
        # A message naming the version the edit was based on names the body's; where it was
        # asked for none (the two disagreed), the kind's own message.
        message = type(conflict).message if expected == set() else conflict.message
        raise Conflict(message, fields={"current": current}) from conflict
    set_cache_headers(response, request, etag_of(record))
    return record
