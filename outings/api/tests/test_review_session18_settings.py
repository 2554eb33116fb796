"""Review (session 18): the API's whole-number settings were not checked. API_PAGE_SIZE=0 served
every list asked without a `limit` empty, and a negative one answered it with a 500 (Django
refuses a negative slice); an API_MAX_PAGE_SIZE below the page size refused every `limit` the
default itself exceeds; an API_IDEMPOTENCY_TTL of 0 let a key lapse as it was recorded (a retry
acted again, against invariant 3) and an API_IDEMPOTENCY_LOCK_SECONDS of 0 let a retry take
over a key still in flight (both acted). Each now stops the start with one line naming it, as
the BOOKINGS_* ones do (Env.whole)."""

import pytest

from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start


@pytest.mark.parametrize(
    "variable", ["API_PAGE_SIZE", "API_IDEMPOTENCY_TTL", "API_IDEMPOTENCY_LOCK_SECONDS"]
)
@pytest.mark.parametrize("value", ["0", "-5"])
def test_an_api_setting_below_one_stops_the_start_naming_it(variable: str, value: str) -> None:
    refusal = _refusal(_start(**SERVICES, **{variable: value}))

    assert refusal == f"{variable} must be a whole number of at least 1, not {value}"


def test_a_largest_page_below_the_page_size_stops_the_start_naming_it() -> None:
    refusal = _refusal(_start(**SERVICES, API_PAGE_SIZE="20", API_MAX_PAGE_SIZE="10"))

    assert refusal == "API_MAX_PAGE_SIZE must be a whole number of at least 20, not 10"


def test_the_smallest_api_settings_start() -> None:
    started = _start(
        **SERVICES,
        API_PAGE_SIZE="1",
        API_MAX_PAGE_SIZE="1",
        API_IDEMPOTENCY_TTL="1",
        API_IDEMPOTENCY_LOCK_SECONDS="1",
    )

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"
