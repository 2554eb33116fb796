"""Domain errors: a rule a request broke, with a stable code the API and pages can show."""

from collections.abc import Collection
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


def version_is_current(version: int, expected: int | Collection[int] | None) -> bool:
    """Whether an edit based on `expected` (None: unconditional; several: an If-Match naming
    more than one ETag) may go ahead on a record at `version`."""
    if expected is None:
        return True
    return version in ({expected} if isinstance(expected, int) else set(expected))


def highest_version(expected: int | Collection[int]) -> int:
    """The version a refused edit said it was based on, for its message (the highest of several
    If-Match ETags)."""
    return expected if isinstance(expected, int) else max(expected, default=0)
