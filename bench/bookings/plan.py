"""What the bookings bench's processes share, with no Django in it (the load workers import it):
the plan file's shape, the SQL transaction of `hold_seats` made replayable, and small readers.

The plan is written by bench/bookings/fixture.py (a Django process on the bench database) and
read by the load workers (bench/bookings/load.py) and the section's probes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict

# Kombu prefixes every broker key of the bench server with this (bench/bookings/settings.py).
BROKER_KEY_PREFIX = "outings-bench-bookings:"
BOOKINGS_PATH = "/api/v1/bookings"

Key = int | str  # a position in a list of parameters, or a name in a dict of them


class Statement(TypedDict):
    """One statement of the captured transaction, with the places of what changes per replay."""

    sql: str
    params: list[Any] | dict[str, Any]
    slot_at: list[Key]  # the slot's id
    reference_at: list[Key]  # the new booking's reference
    booking_at: list[Key]  # the new booking's id (from the INSERT's RETURNING)
    payload_at: list[Key]  # a JSON text naming the booking: BOOKING_MARK stands for its id
    returns_booking: bool  # the booking INSERT: its first column is the new id


class Plan(TypedDict):
    slot_ids: list[int]  # the 1,000 slots the holds spread over
    rush_slot_ids: list[int]  # 10-seat slots, a fresh one per rush
    rush_capacity: int
    tokens: list[str]  # API tokens of the load's guests, one per thread
    rush_tokens: list[str]  # one per guest of a rush
    reference_alphabet: str
    reference_length: int
    hold_transaction: list[Statement]  # what hold_seats sends, in its transaction
    statements_per_request: dict[str, int]  # SQL statements one HTTP hold / confirm sends


BOOKING_MARK = "__BOOKING_ID__"


def jsonable(value: object) -> object:
    """A captured parameter as JSON: int and str subclasses (psycopg's Int2, TextChoices) become
    plain, instants become ISO text (PostgreSQL reads them back as the column's type)."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise ValueError(f"cannot replay a parameter of type {type(value).__name__}: {value!r}")


def _items(params: Sequence[Any] | Mapping[str, Any]) -> list[tuple[Key, Any]]:
    if isinstance(params, Mapping):
        return list(params.items())
    return list(enumerate(params))


def mark(
    captured: Sequence[tuple[str, Sequence[Any] | Mapping[str, Any] | None]],
    *,
    slot_id: int,
    reference: str,
    booking_id: int,
) -> list[Statement]:
    """The captured statements of one hold, with the places of the slot id, the reference and the
    new booking's id marked, so that a replay can take another slot and make another booking.
    Values are recognised by equality, so the caller picks a slot and a booking whose ids are
    distinct and above 1 (seats and version are 1), and unlike any other id sent; each statement
    must mark one place at most of each kind, the booking INSERT (the statement with the
    reference) exactly one slot, and no value before that INSERT may equal the booking's id."""
    if len({slot_id, booking_id}) != 2 or min(slot_id, booking_id) <= 1:
        raise ValueError("pick a slot and a booking with distinct ids above 1")
    payload = re.compile(rf'"booking":\s*{booking_id}\b')
    statements: list[Statement] = []
    inserted = False
    for sql, raw in captured:
        params: list[Any] | dict[str, Any] = {} if isinstance(raw, Mapping) else []
        statement = Statement(
            sql=sql,
            params=params,
            slot_at=[],
            reference_at=[],
            booking_at=[],
            payload_at=[],
            returns_booking=False,
        )
        for key, value in _items(raw or []):
            plain = jsonable(value)
            if type(plain) is int and plain == slot_id:
                statement["slot_at"].append(key)
            elif plain == reference:
                statement["reference_at"].append(key)
            elif type(plain) is int and plain == booking_id:
                if not inserted:  # the booking does not exist yet: this is something else
                    raise ValueError(f"the booking's id {booking_id} also stands for another value")
                statement["booking_at"].append(key)
            elif inserted and isinstance(plain, str) and payload.search(plain):
                plain = payload.sub(f'"booking": {BOOKING_MARK}', plain)
                statement["payload_at"].append(key)
            if isinstance(params, dict):
                params[str(key)] = plain
            else:
                params.append(plain)
        places = {
            "slot": statement["slot_at"],
            "reference": statement["reference_at"],
            "booking": statement["booking_at"],
            "payload": statement["payload_at"],
        }
        for kind, keys in places.items():
            if len(keys) > 1:
                raise ValueError(f"the {kind} is ambiguous in {sql[:80]!r}")
        if statement["reference_at"]:
            if len(statement["slot_at"]) != 1 or inserted:
                raise ValueError(f"not the booking INSERT expected: {sql[:80]!r}")
            statement["returns_booking"] = inserted = True
        statements.append(statement)
    if not inserted:
        raise ValueError("no statement inserts the booking")
    return statements


def bind(
    statement: Statement, *, slot_id: int, reference: str, booking_id: int | None
) -> list[Any] | dict[str, Any]:
    """The parameters of one replay of `statement`."""
    params: list[Any] | dict[str, Any] = (
        dict(statement["params"])
        if isinstance(statement["params"], dict)
        else list(statement["params"])
    )

    def put(key: Key, value: object) -> None:
        if isinstance(params, dict):
            params[str(key)] = value
        else:
            params[int(key)] = value

    def get(key: Key) -> Any:
        return params[str(key)] if isinstance(params, dict) else params[int(key)]

    for key in statement["slot_at"]:
        put(key, slot_id)
    for key in statement["reference_at"]:
        put(key, reference)
    if statement["booking_at"] or statement["payload_at"]:
        if booking_id is None:
            raise ValueError("the booking's id is needed before the booking is inserted")
        for key in statement["booking_at"]:
            put(key, booking_id)
        for key in statement["payload_at"]:
            put(key, str(get(key)).replace(BOOKING_MARK, str(booking_id)))
    return params


def new_reference(plan: Plan) -> str:
    alphabet = plan["reference_alphabet"]
    return "".join(secrets.choice(alphabet) for _ in range(plan["reference_length"]))


def read_plan(path: Path) -> Plan:
    plan: Plan = json.loads(path.read_text())
    return plan


_STATUS_KB = re.compile(r"^(\w+):\s+(\d+) kB$", re.MULTILINE)


def status_kb(text: str) -> dict[str, int]:
    """The kB figures of a /proc/<pid>/status text: {"VmHWM": 123456, "VmRSS": ...}."""
    return {name: int(value) for name, value in _STATUS_KB.findall(text)}


def claim_block(folder: Path, blocks: int) -> int:
    """The first of `blocks` numbered blocks that no other process has claimed in `folder` (each
    load worker takes its own slice of the guests' tokens this way). Raises if all are taken."""
    for block in range(blocks):
        try:
            descriptor = os.open(folder / f"block-{block}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            continue
        os.close(descriptor)
        return block
    raise RuntimeError(f"all {blocks} blocks of {folder} are taken")
