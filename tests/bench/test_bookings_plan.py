"""The bookings bench's pure helpers: hold_seats' captured statements made replayable, the
/proc status reader, and the claiming of token blocks by load workers."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.bookings.plan import (
    BOOKING_MARK,
    Statement,
    bind,
    claim_block,
    jsonable,
    mark,
    status_kb,
)

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


class Int2(int):
    """Like psycopg's Int2: an int subclass a parameter may come as."""


class Status(str):
    """Like a TextChoices member."""


# What hold_seats sends, as captured (slot 1031, booking 2 by guest 266, listing 1).
CAPTURED: list[tuple[str, Sequence[Any] | Mapping[str, Any] | None]] = [
    (
        'SELECT ... FROM "scheduling_slot" WHERE ... "catalog_listing"."status" = %s AND id = %s',
        ["published", 1031],
    ),
    (
        "UPDATE scheduling_slot SET seats_taken = seats_taken + %(seats)s WHERE id = %(slot)s"
        " AND starts_at > %(now)s RETURNING capacity - seats_taken",
        {"slot": 1031, "seats": 1, "now": NOW},
    ),
    (
        'INSERT INTO "bookings_booking" ("reference", "slot_id", "listing_id", "guest_id", "seats",'
        ' "status", "created_at") VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING "id"',
        ["9T9448JW92", 1031, 1, 266, Int2(1), Status("held"), NOW],
    ),
    (
        'INSERT INTO "bookings_bookingevent" ("booking_id", "actor_id", "action") VALUES'
        " (%s, %s, %s)",
        [2, 266, "held"],
    ),
    (
        "INSERT INTO common_outboxmessage (kind, payload) VALUES (%s, %s::jsonb) RETURNING id",
        ["bookings.expire", '{"booking": 2}'],
    ),
]


def marked() -> list[Statement]:
    return mark(CAPTURED, slot_id=1031, reference="9T9448JW92", booking_id=2)


def listed(statement: Statement) -> list[Any]:
    assert isinstance(statement["params"], list)
    return statement["params"]


def test_it_marks_the_slot_the_reference_and_the_new_booking() -> None:
    select, update, insert, event, outbox = marked()

    assert (select["slot_at"], update["slot_at"], insert["slot_at"]) == ([1], ["slot"], [1])
    assert insert["reference_at"] == [0]
    assert insert["returns_booking"]
    assert not any(s["returns_booking"] for s in (select, update, event, outbox))
    assert event["booking_at"] == [0]
    assert outbox["payload_at"] == [1]
    assert listed(outbox)[1] == f'{{"booking": {BOOKING_MARK}}}'
    # Plain JSON values: the Int2 and the TextChoices-like status, the instants as ISO text.
    assert listed(insert)[4:] == [1, "held", NOW.isoformat()]
    assert type(listed(insert)[4]) is int
    assert update["params"] == {"slot": 1031, "seats": 1, "now": NOW.isoformat()}


def test_a_replay_takes_another_slot_reference_and_booking() -> None:
    select, update, insert, event, outbox = marked()

    def bound(statement: Statement, booking_id: int | None = 77) -> object:
        return bind(statement, slot_id=5, reference="ABCDEFGHJK", booking_id=booking_id)

    assert bound(select) == ["published", 5]
    assert bound(update) == {"slot": 5, "seats": 1, "now": NOW.isoformat()}
    assert bound(insert, None) == ["ABCDEFGHJK", 5, 1, 266, 1, "held", NOW.isoformat()]
    assert bound(event) == [77, 266, "held"]
    assert bound(outbox) == ["bookings.expire", '{"booking": 77}']
    # The plan itself is left as it was, for the next replay.
    assert listed(outbox)[1] == f'{{"booking": {BOOKING_MARK}}}'
    with pytest.raises(ValueError, match="needed before"):
        bound(event, None)


def test_it_refuses_ids_it_could_mistake_for_other_values() -> None:
    with pytest.raises(ValueError, match="distinct ids above 1"):
        mark(CAPTURED, slot_id=1031, reference="9T9448JW92", booking_id=1)
    with pytest.raises(ValueError, match="also stands for another value"):
        # The guest's id is the booking's too: which one to replace is not known.
        mark(CAPTURED, slot_id=1031, reference="9T9448JW92", booking_id=266)
    with pytest.raises(ValueError, match="the slot is ambiguous"):
        # The listing's id is the slot's too.
        mark(
            [("INSERT ...", ["9T9448JW92", 1031, 1031])],
            slot_id=1031,
            reference="9T9448JW92",
            booking_id=2,
        )
    with pytest.raises(ValueError, match="no statement inserts"):
        mark(CAPTURED[:2], slot_id=1031, reference="9T9448JW92", booking_id=2)


def test_it_refuses_a_parameter_it_cannot_replay() -> None:
    with pytest.raises(ValueError, match="bytes"):
        jsonable(b"\x00")


def test_it_reads_the_memory_figures_of_a_proc_status() -> None:
    text = (
        "Name:\tgunicorn\nVmPeak:\t  300000 kB\nVmHWM:\t  125440 kB\nVmRSS:\t  120000 kB\n"
        "Threads:\t1\n"
    )

    assert status_kb(text) == {"VmPeak": 300000, "VmHWM": 125440, "VmRSS": 120000}


def test_each_worker_claims_a_block_of_its_own(tmp_path: Path) -> None:
    assert [claim_block(tmp_path, 3) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(RuntimeError, match="all 3 blocks"):
        claim_block(tmp_path, 3)
