"""Domain errors: a rule a request broke, with a stable code the API and pages can show."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop


class DomainError(Exception):
    code = "domain_error"
    status_code = 400
    message = gettext_noop("The request breaks a rule.")
    # Seconds after which the same request may succeed (the API's Retry-After), for a refusal
    # that lifts by itself; such an answer is not recorded under an Idempotency-Key.
    retry_after: int | None = None

    def __init__(
        self, message: str | None = None, *, fields: dict[str, Any] | None = None, **context: Any
    ) -> None:
        self.message = message or self.message
        self.fields = fields or {}
        self.context = context
        super().__init__(self.message)

    def as_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class NotFound(DomainError):
    code = "not_found"
    status_code = 404
    message = gettext_noop("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status_code = 409
    message = gettext_noop("The record changed since you read it.")


class StaleVersion(Conflict):
    """An edit based on an old version of a versioned record (DESIGN.md 3.5, ADR 0008).
    `current` is the record as it is now, to show to the editor who lost."""

    message = gettext_noop("Someone changed this since you opened it.")
    current: Any


@dataclass(frozen=True)
class VersionCondition[V]:
    """What a conditional write asks of a versioned record's version, compared under the
    record's lock as a plain expected version is: one of `any_of` (If-Match's entity tags, or
    the body's `version`; None asks nothing) and none of `none_of` (If-None-Match's: "only if
    it is no longer at these", RFC 9110 13.1.2)."""

    any_of: frozenset[V] | None
    none_of: frozenset[V]

    def holds(self, version: V) -> bool:
        return (self.any_of is None or version in self.any_of) and version not in self.none_of


# What an edit of a versioned record may be based on: None (unconditional), a version, several
# (an If-Match naming more than one ETag), or a VersionCondition (with If-None-Match).
type ExpectedVersion = int | Collection[int] | VersionCondition[int] | None


def version_is_current(version: int, expected: ExpectedVersion) -> bool:
    """Whether an edit based on `expected` may go ahead on a record at `version`."""
    if expected is None:
        return True
    if isinstance(expected, VersionCondition):
        return expected.holds(version)
    return version in ({expected} if isinstance(expected, int) else set(expected))


def highest_version(expected: int | Collection[int] | VersionCondition[int]) -> int:
    """The version a refused edit said it was based on, for its message (the highest of several
    If-Match ETags; of a condition, the highest it names)."""
    if isinstance(expected, VersionCondition):
        return max(expected.any_of or expected.none_of, default=0)
    return expected if isinstance(expected, int) else max(expected, default=0)
