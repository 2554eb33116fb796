"""Path and header parameters the routers share: an id in a path, the Idempotency-Key header."""

from ninja.params import HeaderEx, P, PathEx

from outings.api import idempotency
from outings.api.numbers import ParamInt
from outings.api.schemas import MAX_ID

Id = PathEx[ParamInt, P(ge=1, le=MAX_ID)]
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
