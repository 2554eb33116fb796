"""For the tests that a page or an endpoint costs the same queries at N rows as at 3N (DESIGN.md,
section 6: no N+1): render it, add rows that differ in every relation it shows, render it again,
and compare the statements, not only their number, so that a failure names the one that repeats."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext


def statements_of(fetch: Callable[[], Any]) -> tuple[Any, list[str]]:
    """What `fetch` answered, and the SQL it ran. A streamed answer (a CSV export) is read to
    its end inside the measure, since it reads as it is written, and returned whole."""
    with CaptureQueriesContext(connection) as captured:
        answer = fetch()
        if isinstance(answer, StreamingHttpResponse):
            answer = HttpResponse(answer.getvalue(), status=answer.status_code)
    return answer, [query["sql"] for query in captured.captured_queries]


def assert_same_queries(
    fetch: Callable[[], Any], grow: Callable[[], object], *, status: int = 200
) -> tuple[Any, Any]:
    """`fetch` at the rows there are, then after `grow` (which should triple them): the same
    number of statements both times. Each is measured on a second request, as a visitor's
    reload: the first warms what a request caches (the session, content types, a token's last
    use, a fragment whose key the new rows moved, such as a listing's "more like this").
    Returns both answers, for the caller to check that the rows were shown."""
    fetch()
    few, before = statements_of(fetch)
    grow()
    fetch()
    many, after = statements_of(fetch)
    for answer in (few, many):
        if hasattr(answer, "status_code"):
            assert answer.status_code == status, answer.content[:2000]
    assert len(after) == len(before), _difference(before, after)
    return few, many


def _difference(before: list[str], after: list[str]) -> str:
    """The statements that ran more often the second time, shortest first, with their counts."""
    counts: dict[str, list[int]] = {}
    for index, statements in enumerate((before, after)):
        for sql in statements:
            counts.setdefault(sql[:300], [0, 0])[index] += 1
    grew = [f"{a} -> {b}: {sql}" for sql, (a, b) in counts.items() if a != b]
    return f"{len(before)} queries, then {len(after)}; these changed:\n" + "\n".join(grew)
