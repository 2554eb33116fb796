"""The bookings bench's load workers, one process each: `python -m bench.bookings.load --mode M
--threads N --seconds S`, started (several at once) by the probes through bench.pgload's
run_load_workers: each says "ready", is sent the wall-clock start of the counted window, loads
for S seconds and prints a report as JSON. No Django here: a worker must spend as little CPU per
request as it can next to the server it measures.

Modes:

- hold: each thread POSTs /api/v1/bookings (1 seat, a random slot of the plan's 1,000, its own
  guest's token, a new Idempotency-Key) in a loop; 201 expected;
- hold_confirm: each thread holds as above, then POSTs /api/v1/bookings/<reference>/confirm;
  200 expected. One "cycle" is a confirmed hold;
- sql: hold_seats' captured transaction (plan.hold_transaction) straight through a psycopg pool
  set up as Django's, on a random slot with a new reference;
- rush: every thread POSTs one 1-seat booking on the same small slot at the same instant (the
  window's start); the latencies count from that instant.

A request or cycle counts when it ends inside the window (the figures of a steady state: counting
those that also start inside it would leave out the long ones at the edges). Any answer other
than the expected one is reported, and fails the probe.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed

from bench.bookings.plan import BOOKINGS_PATH, Plan, bind, claim_block, new_reference, read_plan
from bench.pgload import WorkerReport, bucket_of, count_in_window, django_like_pool

MODES = ("hold", "hold_confirm", "sql", "rush")
TIMEOUT_S = 60
MAX_FAILURES_KEPT = 5


class LoadReport(WorkerReport):
    """WorkerReport ("queries" = holds, cycles or transactions ending in the window, "histogram"
    = their latencies) plus the hold and confirm requests' own latencies and the outcomes."""

    all_done: int  # completed, window or not (warm-up and tail included): for CPU per unit
    holds: int
    hold_histogram: dict[str, int]
    confirm_histogram: dict[str, int]
    statuses: dict[str, int]  # "201", "409 slot_full", ...
    failures: list[str]


@dataclass
class _Window:
    """The counted interval on this process's perf_counter clock; None until the runner says."""

    bounds: tuple[float, float] | None = None
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Tally:
    """One thread's figures, merged at the end (no locks on the hot path)."""

    done: list[float] = field(default_factory=list)  # μs, units ending in the window
    holds: list[float] = field(default_factory=list)
    confirms: list[float] = field(default_factory=list)
    all_done: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(what)


def _inside(window: _Window, moment: float) -> bool:
    bounds = window.bounds
    return bounds is not None and bounds[0] <= moment <= bounds[1]


def _over(window: _Window, moment: float) -> bool:
    return window.bounds is not None and moment >= window.bounds[1]


def _post(
    host: str, port: int, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """One request on a connection of its own (gunicorn's sync workers close it after each)."""
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _code(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return body[:80].decode(errors="replace")


class _Http:
    def __init__(self, plan: Plan, token: str) -> None:
        host, _, port = os.environ["BENCH_BOOKINGS_SERVER"].partition(":")
        self.host, self.port = host, int(port)
        self.slots = plan["slot_ids"]
        self.auth = {"Authorization": f"Bearer {token}"}

    def hold(self, slot_id: int) -> tuple[int, bytes]:
        body = json.dumps({"slot_id": slot_id, "seats": 1}).encode()
        headers = {
            **self.auth,
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        return _post(self.host, self.port, BOOKINGS_PATH, body, headers)

    def confirm(self, reference: str) -> tuple[int, bytes]:
        return _post(self.host, self.port, f"{BOOKINGS_PATH}/{reference}/confirm", b"", self.auth)


def _holds(http: _Http, confirm: bool, window: _Window, tally: _Tally) -> None:
    pick = random.Random().choice
    while True:
        began = time.perf_counter()
        if _over(window, began):
            return
        try:
            status, body = http.hold(pick(http.slots))
            held = time.perf_counter()
            if status != 201:
                tally.statuses[f"{status} {_code(body)}"] += 1
                tally.fail(f"hold: {status} {body[:200]!r}")
                continue
            tally.statuses["201"] += 1
            if _inside(window, held):
                tally.holds.append((held - began) * 1e6)
            if not confirm:
                tally.all_done += 1
                if _inside(window, held):
                    tally.done.append((held - began) * 1e6)
                continue
            status, body = http.confirm(json.loads(body)["reference"])
        except OSError as error:
            tally.statuses[type(error).__name__] += 1
            tally.fail(f"{type(error).__name__}: {error}")
            continue
        finished = time.perf_counter()
        if status != 200:
            tally.statuses[f"confirm {status} {_code(body)}"] += 1
            tally.fail(f"confirm: {status} {body[:200]!r}")
            continue
        tally.statuses["confirm 200"] += 1
        tally.all_done += 1
        if _inside(window, finished):
            tally.confirms.append((finished - held) * 1e6)
            tally.done.append((finished - began) * 1e6)


def _rush(http: _Http, slot_id: int, window: _Window, tally: _Tally) -> None:
    window.release.wait()
    assert window.bounds is not None
    try:
        status, body = http.hold(slot_id)
    except OSError as error:
        tally.statuses[type(error).__name__] += 1
        tally.fail(f"{type(error).__name__}: {error}")
        return
    finished = time.perf_counter()
    tally.statuses["201" if status == 201 else f"{status} {_code(body)}"] += 1
    tally.all_done += 1
    tally.done.append((finished - window.bounds[0]) * 1e6)


def _transactions(pool: ConnectionPool, plan: Plan, window: _Window, tally: _Tally) -> None:
    pick = random.Random().choice
    statements = plan["hold_transaction"]
    while True:
        began = time.perf_counter()
        if _over(window, began):
            return
        slot_id, reference = pick(plan["slot_ids"]), new_reference(plan)
        booking_id: int | None = None
        try:
            with pool.connection() as connection, connection.transaction():
                for statement in statements:
                    params = bind(
                        statement, slot_id=slot_id, reference=reference, booking_id=booking_id
                    )
                    cursor = connection.execute(statement["sql"], params or None)
                    rows = cursor.fetchall() if cursor.description is not None else []
                    if statement["returns_booking"]:
                        booking_id = int(rows[0][0])
        except PoolClosed:
            return
        except psycopg.Error as error:
            tally.statuses[type(error).__name__] += 1
            tally.fail(f"{type(error).__name__}: {error}")
            continue
        finished = time.perf_counter()
        tally.statuses["committed"] += 1
        tally.all_done += 1
        if _inside(window, finished):
            tally.done.append((finished - began) * 1e6)


def _histogram(latencies: Sequence[float]) -> dict[str, int]:
    counts = Counter(bucket_of(us) for us in latencies)
    return {str(bucket): count for bucket, count in counts.items()}


def work(*, mode: str, threads: int, seconds: float) -> LoadReport:
    plan = read_plan(Path(os.environ["BENCH_BOOKINGS_PLAN"]))
    window = _Window()
    tallies = [_Tally() for _ in range(threads)]
    pool: ConnectionPool | None = None
    if mode == "sql":
        pool = django_like_pool(os.environ["BENCH_BOOKINGS_CONNINFO"], threads)
        pool.wait(timeout=30)
        workers = [
            threading.Thread(target=_transactions, args=(pool, plan, window, tally), daemon=True)
            for tally in tallies
        ]
    else:
        tokens = plan["rush_tokens"] if mode == "rush" else plan["tokens"]
        block = claim_block(Path(os.environ["BENCH_BOOKINGS_CLAIMS"]), len(tokens) // threads)
        mine = tokens[block * threads : (block + 1) * threads]
        if mode == "rush":
            slot_id = int(os.environ["BENCH_BOOKINGS_RUSH_SLOT"])
            workers = [
                threading.Thread(
                    target=_rush, args=(_Http(plan, token), slot_id, window, tally), daemon=True
                )
                for token, tally in zip(mine, tallies, strict=True)
            ]
        else:
            workers = [
                threading.Thread(
                    target=_holds,
                    args=(_Http(plan, token), mode == "hold_confirm", window, tally),
                    daemon=True,
                )
                for token, tally in zip(mine, tallies, strict=True)
            ]
    try:
        for worker in workers:
            worker.start()
        cpu_seconds = count_in_window(window, seconds, on_open=window.release.set)
        for worker in workers:
            worker.join(timeout=TIMEOUT_S + 10)
    finally:
        if pool is not None:
            pool.close()
    statuses: Counter[str] = Counter()
    for tally in tallies:
        statuses.update(tally.statuses)
    return {
        "queries": sum(len(t.done) for t in tallies),
        "errors": sum(t.failed for t in tallies),
        "timeouts": 0,
        "cpu_seconds": cpu_seconds,
        "histogram": _histogram([us for t in tallies for us in t.done]),
        "all_done": sum(t.all_done for t in tallies),
        "holds": sum(len(t.holds) for t in tallies),
        "hold_histogram": _histogram([us for t in tallies for us in t.holds]),
        "confirm_histogram": _histogram([us for t in tallies for us in t.confirms]),
        "statuses": dict(statuses),
        "failures": [failure for t in tallies for failure in t.failures][:MAX_FAILURES_KEPT],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bookings.load", description=__doc__)
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    try:
        report = work(mode=args.mode, threads=args.threads, seconds=args.seconds)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole terminal group; the runner reports it
        return 130
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
