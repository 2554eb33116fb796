"""What the host routes share: the caller as a host, path parameters, error field names, and
the answers to a write on a versioned record (a listing, a schedule, a photo, the photo order,
a date): an edit, or a state change or delete that takes its version in If-Match only."""

from collections.abc import Callable
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.params import HeaderEx, P

from outings.accounts.models import HostProfile
from outings.api import idempotency
from outings.api.auth import caller
from outings.api.caching import (
    PreconditionFailed,
    if_match_values,
    if_none_match_values,
    set_cache_headers,
    with_none_match,
)
from outings.api.errors import ValidationFailed, located
from outings.catalog.services import host_of
from outings.common.errors import Conflict, ExpectedVersion, StaleVersion

IfMatch = HeaderEx[
    str | None,
    P(
        alias="If-Match",
        max_length=1000,
        description="The ETag of what you edit: the edit is refused with 412 if it changed since.",
    ),
]
IfMatchWrite = HeaderEx[
    str | None,
    P(
        alias="If-Match",
        max_length=1000,
        description="The ETag of what you change or delete: refused with 412 if it changed "
        "since. Without it (or with *), unconditional.",
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


def _versions(tags: set[str]) -> set[int]:
    # isdigit() alone takes "²", which int() refuses.
    return {int(tag) for tag in tags if tag.isascii() and tag.isdigit() and len(tag) < 10}


def if_match_versions(request: HttpRequest) -> set[int] | None:
    """The versions If-Match names (any of them may be current, RFC 9110), or None when it asks
    for nothing (absent, or "*"). A header naming none (weak tags only, which never match, or
    tags that are no version) is a 412 at once: no record is ever at it."""
    tags = if_match_values(request)
    if tags is None:
        return None
    versions = _versions(tags)
    if not versions:
        raise PreconditionFailed()
    return versions


def if_none_match_versions(request: HttpRequest) -> set[int]:
    """The versions If-None-Match names ("only if it is at none of these", RFC 9110 13.1.2;
    weak tags too, as it compares weakly). A tag that is no version never matches: it asks
    for nothing."""
    return _versions(if_none_match_values(request))


def _with_none_match(expected: int | set[int] | None, refused: set[int]) -> ExpectedVersion:
    if isinstance(expected, int):  # the body's version alone
        return with_none_match({expected}, refused) if refused else expected
    return with_none_match(expected, refused)


def _failed_precondition(version: int, matching: set[int] | None, refused: set[int]) -> bool:
    """Whether a record at `version` fails the request's preconditions, in RFC 9110's order
    (13.2.2): If-Match naming none of its versions, then If-None-Match naming it."""
    return (matching is not None and version not in matching) or version in refused


def change_versioned[T](request: HttpRequest, change: Callable[[ExpectedVersion], T]) -> T:
    """Run `change`, a write on a versioned record that takes no version in its body (a state
    change, a delete), with the versions If-Match names and those If-None-Match refuses: None,
    an unconditional write, without either (v1 took these writes without a version, docs/api.md
    "Versioning"). The service compares them under the record's row lock and refuses an old one
    (a StaleVersion), which is the 412: of two clients holding the same ETag exactly one goes
    ahead."""
    versions = if_match_versions(request)
    refused = if_none_match_versions(request)
    try:
        return change(with_none_match(versions, refused))
    except StaleVersion as stale:
        if not _failed_precondition(stale.current.version, versions, refused):
            raise  # the service's own refusal, not the precondition's
        raise PreconditionFailed() from stale


def edit_versioned[T: Versioned](
    request: HttpRequest,
    response: HttpResponse,
    *,
    version: int | None,
    schema: type[Schema],
    edit: Callable[[ExpectedVersion], T],
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
    versions = if_match_versions(request)
    refused = if_none_match_versions(request)
    expected: int | set[int] | None
    if versions is not None:
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
        record = located("body.payload", lambda: edit(_with_none_match(expected, refused)))
    except StaleVersion as conflict:
        if _failed_precondition(conflict.current.version, versions, refused):
            raise PreconditionFailed() from conflict
        current = schema.from_orm(conflict.current).model_dump(mode="json")
        # A message naming the version the edit was based on names the body's; where it was
        # asked for none (the two disagreed), the kind's own message.
        message = type(conflict).message if expected == set() else conflict.message
        raise Conflict(message, fields={"current": current}) from conflict
    set_cache_headers(response, request, etag_of(record))
    return record
