"""Seats under a real rush (issue 7, "Proof of correctness"; DESIGN.md invariants 1 and 3).

A gunicorn server with several sync worker processes runs on the test database; the test fires
hundreds of HTTP requests released together by a barrier and then counts what the answers say
and what the database holds. The negative control runs the same rush against a second server
whose seat guard is switched off through the test-only hook (and without the CHECK constraint
that backs it): it must oversell, or this harness could not see an oversell at all. That branch
of seats.py waits UNGUARDED_GAP_SECONDS between its read and its write, so that the race shows
on every run even on two busy cores; the guarded path has no such gap.
"""

import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from django.db.models import F, Sum

from outings.accounts.models import User
from outings.accounts.services import create_api_token
from outings.bookings.models import Booking
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.scheduling.models import Slot
from tests.live_gunicorn import LiveServer, live_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

BOOKINGS = "/api/v1/bookings"
CAPACITY = 10
RUSH = 200
SAME_KEY_TIMES = 50
WORKERS = 4


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module: the tests' data is committed, and flushed between tests."""
    with live_gunicorn(log=tmp_path_factory.mktemp("web") / "gunicorn.log", workers=WORKERS) as s:
        yield s


@pytest.fixture
def unguarded_server(transactional_db: None, tmp_path: Path) -> Iterator[LiveServer]:
    """The negative control's server: seats.py takes seats by a read, then a write (the test-only
    hook, which also requires a test_ database)."""
    log = tmp_path / "gunicorn.log"
    with live_gunicorn(
        log=log, workers=WORKERS, env={"OUTINGS_TEST_UNGUARDED_SEATS": "1"}
    ) as unguarded:
        yield unguarded


def slot_for_rush(*, capacity: int = CAPACITY) -> Slot:
    listing = ListingFactory.create(max_group_size=4, instant_booking=True)
    slot: Slot = SlotFactory.create(listing=listing, capacity=capacity)
    return slot


def guests_with_tokens(count: int) -> list[tuple[User, str]]:
    users = UserFactory.create_batch(count)
    return [(user, create_api_token(user=user, name="rush").secret) for user in users]


def headers(token: str, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


def rush(
    server: LiveServer, requests: Sequence[tuple[dict[str, str], dict[str, Any]]]
) -> list[httpx.Response]:
    """POST every (headers, body) to /api/v1/bookings at once: one thread and one connection per
    request, released together by a barrier. The answers come back in the requests' order."""
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | BaseException | None] = [None] * len(requests)
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)

    def fire(index: int, client: httpx.Client) -> None:
        request_headers, body = requests[index]
        try:
            barrier.wait(timeout=60)
            answers[index] = client.post(server.url(BOOKINGS), headers=request_headers, json=body)
        except BaseException as error:  # noqa: BLE001 - reported below, with the others
            answers[index] = error

    with httpx.Client(timeout=120, limits=limits) as client:
        threads = [threading.Thread(target=fire, args=(i, client)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    failed = [answer for answer in answers if not isinstance(answer, httpx.Response)]
    assert not failed, f"{len(failed)} requests got no answer, e.g. {failed[0]!r}"
    return [answer for answer in answers if isinstance(answer, httpx.Response)]


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def seats_of_active_bookings(slot: Slot) -> int:
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    return int(active.aggregate(n=Sum("seats"))["n"] or 0)


def one_seat_rush(server: LiveServer, slot: Slot) -> list[httpx.Response]:
    guests = guests_with_tokens(RUSH)
    return rush(
        server,
        [
            (headers(token, uuid.uuid4().hex), {"slot_id": slot.pk, "seats": 1})
            for _user, token in guests
        ],
    )


def test_a_hot_slot_sells_exactly_its_seats_to_200_guests_at_once(server: LiveServer) -> None:
    slot = slot_for_rush()

    answers = one_seat_rush(server, slot)

    statuses = Counter(response.status_code for response in answers)
    assert statuses == {201: CAPACITY, 409: RUSH - CAPACITY}, server.log.read_text()[-3000:]
    losers = [response for response in answers if response.status_code == 409]
    assert {error_code(response) for response in losers} == {"slot_full"}
    slot.refresh_from_db()
    assert slot.seats_taken == CAPACITY == seats_of_active_bookings(slot)
    assert Booking.objects.filter(slot=slot).count() == CAPACITY
    winners = {response.json()["reference"] for response in answers if response.status_code == 201}
    assert winners == set(Booking.objects.filter(slot=slot).values_list("reference", flat=True))


def test_without_the_seat_guard_the_same_rush_oversells(unguarded_server: LiveServer) -> None:
    """The negative control: check-then-write in two statements and no CHECK constraint. If this
    rush does not oversell, the harness cannot see a race (and so cannot rule one out): fail."""
    assert str(connection.settings_dict["NAME"]).startswith("test_")
    slot = slot_for_rush()
    constraint = next(c for c in Slot._meta.constraints if c.name == "slot_not_oversold")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Slot, constraint)
    try:
        answers = one_seat_rush(unguarded_server, slot)
        slot.refresh_from_db()
        booked = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count()
        seats_taken, capacity = slot.seats_taken, slot.capacity
    finally:
        # The slot back within its capacity first, or the constraint could not come back.
        Slot.objects.filter(seats_taken__gt=F("capacity")).update(seats_taken=F("capacity"))
        with connection.schema_editor() as editor:
            editor.add_constraint(Slot, constraint)

    assert not [r for r in answers if r.status_code >= 500]
    oversold = booked > capacity or seats_taken > capacity or seats_taken != booked
    assert oversold, (
        f"the harness is blind: without the guard, {booked} bookings and seats_taken "
        f"{seats_taken} on {capacity} seats"
    )


def test_groups_of_one_to_four_are_seated_whole_or_not_at_all(server: LiveServer) -> None:
    slot = slot_for_rush()
    guests = guests_with_tokens(RUSH)
    asked = [1, 2, 3, 4] * (RUSH // 4)
    random.Random(7).shuffle(asked)

    answers = rush(
        server,
        [
            (headers(token, uuid.uuid4().hex), {"slot_id": slot.pk, "seats": seats})
            for (_user, token), seats in zip(guests, asked, strict=True)
        ],
    )

    assert Counter(asked) == {1: 50, 2: 50, 3: 50, 4: 50}
    assert not [r for r in answers if r.status_code not in (201, 409)]
    slot.refresh_from_db()
    bookings = {b.guest_id: b for b in Booking.objects.filter(slot=slot)}
    won = 0
    for (user, _token), seats, response in zip(guests, asked, answers, strict=True):
        if response.status_code == 201:
            booking = bookings[user.pk]
            assert booking.seats == seats == response.json()["seats"]
            assert booking.status == Booking.Status.HELD
            won += seats
        else:
            assert error_code(response) == "slot_full"
            assert user.pk not in bookings
            # Seats only grew during the rush: whoever lost could not fit in what is left now.
            assert seats > slot.capacity - slot.seats_taken
    assert won == slot.seats_taken == seats_of_active_bookings(slot) <= slot.capacity
    assert len(bookings) == sum(1 for r in answers if r.status_code == 201)


def test_one_key_sent_50_times_at_once_books_once(server: LiveServer) -> None:
    slot = slot_for_rush()
    ((guest, token),) = guests_with_tokens(1)
    same = headers(token, f"rush-{uuid.uuid4().hex}")

    answers = rush(server, [(same, {"slot_id": slot.pk, "seats": 2})] * SAME_KEY_TIMES)

    assert Booking.objects.filter(slot=slot).count() == 1
    booking = Booking.objects.get(slot=slot, guest=guest)
    slot.refresh_from_db()
    assert slot.seats_taken == booking.seats == 2
    created = [r for r in answers if r.status_code == 201]
    assert created, "no request got the booking"
    originals = [r for r in created if "Idempotent-Replayed" not in r.headers]
    assert len(originals) == 1
    assert {r.content for r in created} == {originals[0].content}
    assert originals[0].json()["reference"] == booking.reference
    others = [r for r in answers if r.status_code != 201]
    assert all(r.status_code == 409 for r in others)
    assert all(error_code(r) == "idempotency_in_flight" for r in others)
    assert all(r.headers.get("Retry-After") for r in others)

    reused = httpx.post(
        server.url(BOOKINGS), headers=same, json={"slot_id": slot.pk, "seats": 3}, timeout=60
    )

    assert reused.status_code == 422
    assert error_code(reused) == "idempotency_key_reused"
    slot.refresh_from_db()
    assert slot.seats_taken == 2
    assert Booking.objects.filter(slot=slot).count() == 1
