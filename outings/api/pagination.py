"""Keyset (cursor) pagination for every list.

A page is read with `WHERE (ordering columns) beyond the cursor ORDER BY ... LIMIT n + 1`, never
OFFSET: the cost does not grow with the depth, and rows inserted or deleted elsewhere neither
repeat nor skip rows on the next page. Cursors are opaque: the boundary row's ordering values,
signed (outings.common.signed, salted per list, without a timestamp so that an unchanged page
keeps its cursors and its ETag), so a client can neither forge nor edit one, and a cursor of one
list (or of one list's filters: `PageParams.namespace`) is refused by another. A malformed,
tampered or foreign cursor is a 400 `validation_error` on `cursor`.

The ordering must end with a unique column (the primary key) and use non-null columns.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field as ModelField
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

from outings.api.errors import ValidationFailed
from outings.api.numbers import ParamInt
from outings.common import signed

FORWARD = "n"
BACKWARD = "p"
MAX_CURSOR_LENGTH = 512


class PageParams(Schema):
    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        description="An opaque cursor from a previous page's `next` or `previous`.",
    )
    limit: ParamInt = Field(
        settings.API_PAGE_SIZE,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description="How many items to return.",
    )

    def namespace(self, name: str) -> str:
        """`name` bound to this list's filters (every field but `cursor` and `limit`), for
        `paginate`: a cursor of one filter is then refused by another, where it would start the
        other list at a boundary that is not its own and skip its rows. The name stays as it
        is without filters, so cursors of an unfiltered list are still read."""
        filters = self.model_dump(mode="json", exclude={"cursor", "limit"}, exclude_none=True)
        return f"{name}:{json.dumps(filters, sort_keys=True)}" if filters else name


class Paged[T](Schema):
    items: list[T]
    next: str | None = Field(description="Cursor of the next page, if there is one.")
    previous: str | None = Field(description="Cursor of the previous page, if there is one.")


@dataclass(frozen=True)
class Page[M: Model]:
    items: list[M]
    next: str | None
    previous: str | None


@dataclass(frozen=True)
class _Cursor:
    direction: str
    values: list[Any]  # the boundary's ordering values, as the model's fields read them
    raw: list[Any]  # the same as the cursor carries them (JSON)
    inclusive: bool  # the boundary's own row is on the page (the way back from an empty page)


def paginate[M: Model](
    queryset: QuerySet[M],
    *,
    ordering: Sequence[str],
    cursor: str | None,
    limit: int,
    namespace: str,
) -> Page[M]:
    """One page of `queryset` in `ordering` (e.g. ("-id",) or ("starts_at", "id")), after or
    before `cursor`. Runs exactly one query."""
    salt = f"outings.api.cursor:{namespace}"
    start = _decode(cursor, queryset.model, ordering, salt) if cursor else None
    direction = start.direction if start else FORWARD
    order = list(ordering) if direction == FORWARD else [_reverse(f) for f in ordering]
    rows = queryset
    if start is not None:
        rows = rows.filter(_beyond(order, start.values, inclusive=start.inclusive))
    fetched = list(rows.order_by(*order)[: limit + 1])
    more = len(fetched) > limit
    items = fetched[:limit]
    if direction == BACKWARD:
        items.reverse()
    if not items:
        return _empty(start, salt)
    has_next = more if direction == FORWARD else True
    has_previous = start is not None if direction == FORWARD else more
    return Page(
        items=items,
        next=_encode(items[-1], ordering, FORWARD, salt) if has_next else None,
        previous=_encode(items[0], ordering, BACKWARD, salt) if has_previous else None,
    )


def _empty[M: Model](start: _Cursor | None, salt: str) -> Page[M]:
    """A page with nothing beyond its cursor's boundary (rows deleted since, or a client paging
    past the end): its way back, a cursor of the page that ends at the boundary, the boundary's
    own row included (that row may be gone; its values stand). Nothing lies further on, so no
    cursor leads there. Until session 22 such a page had neither, and a client that had paged
    forward past the last item could not go back but by starting again."""
    if start is None:
        return Page(items=[], next=None, previous=None)  # the first page, and nothing on it
    back = BACKWARD if start.direction == FORWARD else FORWARD
    cursor = signed.sign({"d": back, "v": start.raw, "i": True}, salt=salt)
    if start.direction == FORWARD:
        return Page(items=[], next=None, previous=cursor)
    return Page(items=[], next=cursor, previous=None)


def cursor_after[M: Model](item: M, *, ordering: Sequence[str], namespace: str) -> str:
    """The `next` cursor of a page of the list `namespace` in `ordering` that ends at `item`:
    for an answer that embeds a first page of a list paged elsewhere (paginate reads it)."""
    return _encode(item, ordering, FORWARD, f"outings.api.cursor:{namespace}")


def _reverse(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def _beyond(order: Sequence[str], values: Sequence[Any], *, inclusive: bool = False) -> Q:
    """Rows strictly after `values` in `order`: (a > x) OR (a = x AND b > y) OR ..., or at
    `values` and after them when `inclusive` (the last column compared with >=)."""
    condition = Q()
    last = len(order) - 1
    for index, field in enumerate(order):
        name = field.lstrip("-")
        lookup = "lt" if field.startswith("-") else "gt"
        if inclusive and index == last:
            lookup += "e"
        clause = Q(**{f"{name}__{lookup}": values[index]})
        for previous, value in zip(order[:index], values[:index], strict=True):
            clause &= Q(**{previous.lstrip("-"): value})
        condition |= clause
    return condition


def _encode(item: Model, ordering: Sequence[str], direction: str, salt: str) -> str:
    values = []
    for field in ordering:
        value = getattr(item, field.lstrip("-"))
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return signed.sign({"d": direction, "v": values}, salt=salt)


def _decode(cursor: str, model: type[Model], ordering: Sequence[str], salt: str) -> _Cursor:
    try:
        payload = signed.unsign(cursor, salt=salt)
        if not isinstance(payload, dict):
            raise TypeError(cursor)
        direction = payload["d"]
        raw = payload["v"]
        inclusive = payload.get("i", False)  # a cursor older than session 22 has none
        if direction not in (FORWARD, BACKWARD) or len(raw) != len(ordering):
            raise ValueError(cursor)
        if not isinstance(inclusive, bool):
            raise TypeError(cursor)
        values = [
            _field(model, name).to_python(value) for name, value in zip(ordering, raw, strict=True)
        ]
    except (signing.BadSignature, DjangoValidationError, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed(fields={"query.cursor": [_("The cursor is not valid.")]}) from exc
    if any(value is None for value in values):
        raise ValidationFailed(fields={"query.cursor": [_("The cursor is not valid.")]})
    return _Cursor(direction=direction, values=values, raw=raw, inclusive=inclusive)


def _field(model: type[Model], name: str) -> "ModelField[Any, Any]":
    field = model._meta.get_field(name.lstrip("-"))
    assert isinstance(field, ModelField)
    return field
