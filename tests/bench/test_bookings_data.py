"""The bookings bench's data: `build` makes its dates, guests and tokens, and captures the SQL of
a hold through the HTTP routes it measures. It runs before every bookings bench, so a change to
those routes that it does not follow stops `make bench`; here it stops the test suite first."""

import pytest

from bench.bookings.data import LOAD_GUESTS, RUSH_GUESTS, RUSH_SLOTS, SLOTS, build


@pytest.mark.django_db
def test_build_makes_the_plan_and_its_requests_answer_as_the_load_expects() -> None:
    plan = build()
    assert len(plan["slot_ids"]) == SLOTS
    assert len(plan["rush_slot_ids"]) == RUSH_SLOTS
    assert len(plan["tokens"]) == LOAD_GUESTS
    assert len(plan["rush_tokens"]) == RUSH_GUESTS
    assert plan["hold_transaction"]
    assert plan["statements_per_request"]["hold"] > 0
    assert plan["statements_per_request"]["confirm"] > 0
