"""The admin of a table that grows to millions of rows (listings, slots, bookings, the outbox,
audit entries, users): a changelist that costs the same whatever the size of the table.

Django's own changelist reads the whole table several ways on every view: COUNT(*) for the
paginator, of every row or of every match of a filter (and another for "N total" unless
`show_full_result_count` is off), a date hierarchy asks for its years, months or days with
SELECT DISTINCT date_trunc(...), a filter on a text column without choices lists its values with
SELECT DISTINCT, facets count every choice, and the search box looks for each word inside each
field (icontains), which no index serves.
`BigTableAdmin` does none of these; docs/architecture.md, "The admin at scale"."""

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal

M = TypeVar("M", bound=Model)

# The planner's rows in the top line of a plan: "Seq Scan on t  (cost=0.00..4.12 rows=312 width=8)".
PLANNED_ROWS = re.compile(r" rows=([0-9]+) ")

# At most this many rows of a related table stand for one word (`guest__email`: the guests
# with that address): an exact match on a unique or near-unique column finds one or a few.
RELATED_MATCHES = 100


class EstimatedCountPaginator(Paginator[Any]):
    """Pages whose count counts at most `exact_below` rows. For a whole table (nothing filtered
    or searched) it is PostgreSQL's estimate of its rows, `pg_class.reltuples`, which
    autovacuum's ANALYZE keeps close, rather than COUNT(*), which reads every row. A filtered
    or searched list (or a table with no estimate yet, never analysed, or a small one) counts
    its matches up to `exact_below` (a LIMIT inside the count, without sorting them) and past
    that takes the planner's estimate of them (EXPLAIN), never less than it counted: a filter
    on a column no index leads with (open dates, confirmed bookings) counted exactly read every
    row, ~0.4-0.6 s over 3 million slots. Below `exact_below`, the count is exact.

    Estimated, the last page may come out short or empty, or the last few rows lie past it;
    sorting the other way or a narrower filter reaches them."""

    exact_below = 20_000  # counting fewer rows takes a few milliseconds

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        estimate = self._estimate(rows)
        if estimate is not None and estimate >= self.exact_below:
            return estimate
        counted = rows.order_by()[: self.exact_below].count()
        if counted < self.exact_below:
            return counted
        return max(counted, self._planned(rows))

    def _estimate(self, rows: QuerySet[Any]) -> int | None:
        """The table's estimated rows when the pages cover the whole table, else None."""
        query = rows.query
        if query.where or query.distinct or query.combinator or query.is_sliced:
            return None
        connection = connections[rows.db]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(rows.model._meta.db_table)],
            )
            found = cursor.fetchone()
        if found is None or found[0] < 0:  # -1: never vacuumed nor analysed
            return None
        return int(found[0])

    def _planned(self, rows: QuerySet[Any]) -> int:
        """The planner's estimate of the rows `rows` gives, from the table's statistics: the
        top line of its plan (EXPLAIN, which does not run the query)."""
        sql, params = rows.order_by().query.sql_with_params()
        with connections[rows.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            found = cursor.fetchone()
        planned = PLANNED_ROWS.search(found[0]) if found is not None else None
        return int(planned[1]) if planned is not None else 0


class KnownValuesFilter(admin.SimpleListFilter):
    """A filter on a text column whose choices are the values the code knows: Django's filter of
    a field without choices (AllValuesFieldListFilter) asks for them with SELECT DISTINCT over
    the whole table on every view of the changelist. A value the code no longer knows (a
    retired kind) is still reached by its address (`?kind__exact=...`)."""

    known: Callable[[], Iterable[str]]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, value) for value in type(self).known()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(**{str(self.parameter_name): value})


class BigTableAdmin(admin.ModelAdmin[M]):
    """A changelist that reads no more of its table for ten million rows than for ten: pages
    counted up to a bound and estimated past it (EstimatedCountPaginator), no second count, no
    facets, no date hierarchy (a subclass uses a DateFieldListFilter, whose choices are fixed),
    and a search by exact values of indexed columns (`get_search_results`). Filters on a text
    column take their choices from the code (KnownValuesFilter), and foreign keys are raw ids
    on the change form."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False  # a second COUNT(*), of the whole table, for "N total"
    show_facets = admin.ShowFacets.NEVER  # a count per choice of every filter

    def get_deleted_objects(
        self, objs: Sequence[M] | QuerySet[M], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        """What a delete would take, and what stops it. Rows that others protect (a guest's,
        listing's or date's bookings: on_delete PROTECT) stop it whoever asks, so they are
        what the page names: Django also counts a protected row whose admin refuses its
        deletion (bookings are never deleted here) as a permission staff lack, and its page
        names that first, "your account doesn't have permission to delete ... booking", to a
        superuser too, when no permission would help. Without protected rows, the permissions
        lacking are named as before."""
        to_delete, counts, lacking, protected = super().get_deleted_objects(objs, request)
        return to_delete, counts, (set() if protected else lacking), protected

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[M], search_term: str
    ) -> tuple[QuerySet[M], bool]:
        """Rows in which every word of the search equals one of `search_fields`, or begins one
        named with a caret (`^reference`, served by the index Django gives an indexed text
        column for LIKE 'prefix%'). A number field takes a word that reads as a number, a
        text field the word as typed, in lower or in upper case (an email address, a booking
        reference). A field across a relation (`^guest__email`) is looked up in its own table
        first (at most RELATED_MATCHES rows), so that each column of this table gets one
        indexed condition. Django's own search looks for each word inside each field
        (icontains), which reads every row of the table."""
        specs = self.get_search_fields(request)
        if not search_term or not specs:
            return queryset, False
        for word in smart_split(search_term):
            if word[0] in "\"'" and word[0] == word[-1]:
                word = unescape_string_literal(word)
            match = Q()
            for spec in map(str, specs):
                match |= _matching(queryset.model, spec.removeprefix("^"), word, spec[0] == "^")
            queryset = queryset.filter(match) if match else queryset.none()
        return queryset, False


def _matching(model: type[Model], path: str, word: str, prefix: bool) -> Q:
    """`path` equals (or begins with) `word` read as its field reads values; Q() when it
    cannot."""
    fields = get_fields_from_path(model, path)
    values = _readings(fields[-1], word, validate=not prefix)
    if not values:
        return Q()
    lookup = "startswith" if prefix else "exact"
    if len(fields) == 1:
        return Q.create([(f"{path}__{lookup}", value) for value in values], connector=Q.OR)
    relation, rest = path.split(LOOKUP_SEP, 1)
    assert fields[0].many_to_one or fields[0].one_to_one, path  # no duplicate rows
    related = fields[0].related_model
    assert isinstance(related, type)
    found = related._default_manager.filter(
        Q.create([(f"{rest}__{lookup}", value) for value in values], connector=Q.OR)
    )
    return Q(**{f"{relation}__in": list(found.values_list("pk", flat=True)[:RELATED_MATCHES])})


def _readings(field: Any, word: str, *, validate: bool) -> list[Any]:
    """The values `word` may stand for in `field` (a relation: in the column it points to);
    none when the field cannot hold it (not a number, out of range, not an address)."""
    if field.is_relation:
        field = field.target_field
    assert isinstance(field, Field)
    try:
        value = field.to_python(word)
        if validate:
            field.run_validators(value)
    except ValidationError:
        return []
    if isinstance(value, str):
        return sorted({value, value.lower(), value.upper()})
    return [value]
