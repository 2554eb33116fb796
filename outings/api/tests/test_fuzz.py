"""Schemathesis against the served OpenAPI document: every operation, positive and negative
data, anonymous and with a token, then the stateful phase (sequences that follow the links it
infers, e.g. create a token then revoke it). Zero server errors, zero schema-conformance failures,
zero ignored-auth findings. Examples are bounded so the whole file stays well under two minutes.
"""

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from outings.accounts.models import User
from outings.api.main import api
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.search.query import FIRST_DATE, LAST_DATE
from outings.stats.selectors import MAX_SPAN_DAYS, RECENT_DAYS

EXAMPLES = 12
GENEROUS = {"anon": "100000/min", "user": "100000/min"}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly, whose request signals would close the test's
    connection mid-transaction; Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Entity tags are values only the server issues (leave_out_server_issued_values, which valid
# cases go through), but negative cases keep whatever the generator made of If-Match and
# If-None-Match, and a write evaluates them before it reads its content (RFC 9110 13.2.1:
# "prior to processing the request content"): a made-up tag or `If-None-Match: *` is refused by
# a 412 that changes nothing, whether the rest of the case came out invalid (an upload parses
# its multipart body in its handler, after the 412) or valid after all. So negative cases count
# 412 among schemathesis' own lists of the statuses that refuse invalid data and that may answer
# valid data; valid cases keep the lists as they are (test_review_session21_platform.py tests
# every write's 412).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"]
ANSWERS_TO_VALID = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
NEGATIVE_CHECKS = {
    "checks": {
        "negative_data_rejection": {"expected-statuses": [*REFUSALS, "5xx"]},
        "positive_data_acceptance": {"expected-statuses": [*ANSWERS_TO_VALID, "5xx"]},
    }
}


def load_schema(
    token: str | None, mode: GenerationMode = GenerationMode.POSITIVE
) -> schemathesis.BaseSchema:
    auth = {"auth": {"openapi": {"TokenAuth": {"bearer": token}}}} if token else {}
    checks = NEGATIVE_CHECKS if mode == GenerationMode.NEGATIVE else {}
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json",
        get_wsgi_application(),
        config=schemathesis.Config.from_dict({**auth, **checks}),
    )


def leave_out_server_issued_values(case: schemathesis.Case[Any]) -> None:
    """Cursors and ETags are values only the server issues, and an Idempotency-Key is single-use:
    no schema can describe which strings are valid, so valid (positive) cases leave them out or
    make them fresh. Their invalid forms stay in the negative cases, and each has its own tests."""
    if case.query:
        case.query.pop("cursor", None)
    if case.headers:
        case.headers.pop("If-Match", None)
        case.headers.pop("If-None-Match", None)
        if "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = uuid.uuid4().hex


def respect_cross_field_rules(case: schemathesis.Case[Any]) -> None:
    """Rules between parameters that OpenAPI cannot state (lat goes with lng, a radius or a
    distance sort needs a point, ranges run forwards, a place name must be known): valid cases
    are made to keep them. Breaking each rule has its own 400 test in test_search_api.py."""
    query = case.query
    if not query or case.path != "/api/v1/search":
        return
    if ("lat" in query) != ("lng" in query):
        query.pop("lat", None)
        query.pop("lng", None)
    query.pop("near", None)
    query.pop("bbox", None)
    if "lat" not in query:
        query.pop("radius_km", None)
        if query.get("sort") == "distance":
            query.pop("sort")
    # The pattern admits 2026-13-45 and 0405-02-05; the date and the search's calendar do not.
    for name in ("date_from", "date_to"):
        if name in query:
            try:
                day = date.fromisoformat(str(query[name]))
            except ValueError:
                query.pop(name)
            else:
                if not FIRST_DATE <= day <= LAST_DATE:
                    query.pop(name)
    for low, high in (
        ("date_from", "date_to"),
        ("duration_min", "duration_max"),
        ("price_min", "price_max"),
    ):
        if query.get(low) is not None and query.get(high) is not None:
            query[low], query[high] = sorted((query[low], query[high]))
    if query.get("date_from") and query.get("date_to"):
        start = date.fromisoformat(str(query["date_from"]))
        query["date_to"] = str(
            min(date.fromisoformat(str(query["date_to"])), start + timedelta(days=366))
        )


def respect_the_stats_span(case: schemathesis.Case[Any]) -> None:
    """A listing's figures (`/host/listings/{id}/stats`): `to` not before `from`, at most
    MAX_SPAN_DAYS, and a side left out (RECENT_DAYS from the other) inside the calendar. Each
    refusal has its own 400 test in test_listing_stats_api.py."""
    query = case.query
    if not query or not case.path.endswith("/stats"):
        return
    days = {name: date.fromisoformat(str(query[name])) for name in ("from", "to") if name in query}
    first, last = days.get("from"), days.get("to")
    if first is not None and last is not None:
        first, last = sorted((first, last))
        last = min(last, first + timedelta(days=MAX_SPAN_DAYS - 1))
        query["from"], query["to"] = first.isoformat(), last.isoformat()
    elif first is not None and first > date.max - timedelta(days=RECENT_DAYS):
        query.pop("from")
    elif last is not None and last < date.min + timedelta(days=RECENT_DAYS):
        query.pop("to")


@pytest.fixture(autouse=True)
def _fuzz_world(db: Any) -> None:
    listing = ListingFactory.create()
    SlotFactory.create(listing=listing)
    ListingFactory.create(city="Madrid", country_code="ES")


@pytest.fixture(autouse=True)
def _no_throttling() -> Iterator[None]:
    with override_settings(API_THROTTLE_RATES=GENEROUS):
        yield


def operations() -> list[tuple[str, str]]:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "token"])
@pytest.mark.parametrize(("method", "path"), operations())
def test_every_operation_conforms(
    guest_token: str, method: str, path: str, mode: GenerationMode, authenticated: bool
) -> None:
    schema = load_schema(guest_token if authenticated else None, mode)

    @given(case=schema[path][method].as_strategy(generation_mode=mode))
    @FUZZ_SETTINGS
    def check(case: schemathesis.Case[Any]) -> None:
        if mode == GenerationMode.POSITIVE:
            leave_out_server_issued_values(case)
            respect_cross_field_rules(case)
        case.call_and_validate()

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_a_hosts_listing_stats_conform(
    token_for: Callable[[User], str], mode: GenerationMode
) -> None:
    """The guest's token above meets 403 not_a_host on every host route: here a host asks for
    the figures of their own listing, with any dates."""
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host)
    path = "/api/v1/host/listings/{listing_id}/stats"
    schema = load_schema(token_for(host.user), mode)

    @given(case=schema[path]["GET"].as_strategy(generation_mode=mode))
    @FUZZ_SETTINGS
    def check(case: schemathesis.Case[Any]) -> None:
        if mode == GenerationMode.POSITIVE:
            case.path_parameters = {"listing_id": listing.pk}
            leave_out_server_issued_values(case)  # an If-Match, since every read takes one
            respect_the_stats_span(case)
        case.call_and_validate()

    check()


def test_stateful_sequences_conform(guest_token: str) -> None:
    machine = load_schema(guest_token).as_state_machine()

    class Sequences(machine):  # type: ignore[misc, valid-type]
        """Each sequence starts from the same world: its writes are rolled back when it ends.
        Kept, they leaked into the next sequences (one revoked the guest's token, and every
        later call was a 401), so a sequence replayed by Hypothesis met another world than the
        first time and the run failed as a "flaky strategy", whichever code was under test."""

        def __init__(self) -> None:
            self._sequence = transaction.atomic()
            self._sequence.__enter__()
            super().__init__()

        def teardown(self) -> None:
            try:
                super().teardown()
            finally:
                transaction.set_rollback(True)
                self._sequence.__exit__(None, None, None)

        def before_call(self, case: schemathesis.Case[Any]) -> None:
            leave_out_server_issued_values(case)
            respect_cross_field_rules(case)

    Sequences.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
