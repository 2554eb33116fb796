"""Background work (issue 5): what the transactional outbox costs the request that enqueues, how
fast a worker empties it into an SMTP server, and how fast a seats-left update reaches 500 open
websockets.

- enqueue: transactions of 100 `outbox.enqueue` calls; the figure is per effect (target 0.5 ms);
- deliver: 10,000 mails (1,000 with --quick) enqueued in 100 transactions, delivered by a real
  Celery worker (urgent queue, 2 processes) to an aiosmtpd sink; rate and commit-to-delivery
  latency (target: all 10,000 within 30 s);
- fanout: 500 websocket clients on one listing (uvicorn + Channels, the profile's channel layer),
  one seats-left update published after commit; p50/p99 from commit to receipt (target 500 ms).

Rows it creates (bench mails, one published "bench fan-out" listing) are deleted afterwards.
Do not run it next to `make run`: that worker would take part of the mail.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from websockets.asyncio.client import connect

from bench import fixtures
from bench.measure import BenchError, Plan, Probe, Sample
from bench.registry import Context, section
from bench.server import LOG_DIR, ROOT, free_port
from outings.catalog.models import Category, Listing
from outings.common.models import OutboxMessage
from outings.notifications import emails, live
from outings.notifications.tests.smtp_sink import SmtpSink

BENCH_TO = "bench-{n}@outings.localhost"
CLIENTS = 500


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _enqueue(count: int, *, per_transaction: int) -> list[float]:
    """Enqueue `count` bench mails; the per-effect time of each transaction, in ms."""
    per_effect = []
    for start in range(0, count, per_transaction):
        began = time.perf_counter()
        with transaction.atomic():
            for n in range(start, min(start + per_transaction, count)):
                emails.send_email(
                    to=BENCH_TO.format(n=n),
                    template="notification",
                    context={"kind": "listing.approved", "data": {"listing": f"Bench {n}"}},
                )
        per_effect.append((time.perf_counter() - began) * 1000 / per_transaction)
    return per_effect


def _forget_bench_mail() -> None:
    OutboxMessage.objects.filter(kind=emails.KIND, payload__to__startswith="bench-").delete()


@dataclass
class EnqueueProbe(Probe):
    @property
    def tool(self) -> str:
        return "in-process, 100 per transaction"

    def run(self, seconds: float) -> Sample:
        # Enqueued only: no worker consumes these (they are deleted right away).
        deadline, times = time.monotonic() + seconds, []
        while time.monotonic() < deadline:
            times += _enqueue(100, per_transaction=100)
            _forget_bench_mail()
        effects = 100 * len(times)
        return Sample(
            requests_per_second=effects / seconds,
            p50_ms=statistics.median(times),
            p99_ms=_percentile(times, 0.99),
            requests=effects,
        )


@dataclass
class DeliverProbe(Probe):
    sink: SmtpSink = field(default_factory=SmtpSink)
    effects: int = 10_000

    @property
    def tool(self) -> str:
        return "celery worker x2 → aiosmtpd"

    def run(self, seconds: float) -> Sample:
        before = len(self.sink.recorder.messages)
        began = time.perf_counter()
        _enqueue(self.effects, per_transaction=self.effects // 100)
        deadline = time.monotonic() + max(120.0, seconds)
        while len(self.sink.recorder.messages) - before < self.effects:
            if time.monotonic() > deadline:
                raise BenchError("the outbox did not deliver the bench mail within 120 s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
        rows = OutboxMessage.objects.filter(kind=emails.KIND, payload__to__startswith="bench-")
        latencies = [
            (finished - created).total_seconds() * 1000
            for created, finished in rows.values_list("created_at", "finished_at")
            if finished is not None
        ]
        _forget_bench_mail()
        return Sample(
            requests_per_second=self.effects / elapsed,
            p50_ms=statistics.median(latencies),
            p99_ms=_percentile(latencies, 0.99),
            requests=self.effects,
        )


@dataclass
class FanoutProbe(Probe):
    url: str = ""
    listing_id: int = 0

    @property
    def tool(self) -> str:
        return f"websockets x{CLIENTS}"

    def run(self, seconds: float) -> Sample:
        latencies: list[float] = []
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        published: list[float] = []

        async def client(received: list[float]) -> None:
            for _attempt in range(60):  # the server may still be starting
                try:
                    socket = await connect(self.url, origin="http://127.0.0.1")  # type: ignore[arg-type]
                    break
                except OSError:
                    await asyncio.sleep(0.5)
            else:
                raise BenchError(f"cannot connect to {self.url}")
            async with socket:
                clients_up.append(1)
                if len(clients_up) == CLIENTS:
                    ready.set()
                await socket.recv()
                received.append(time.perf_counter())

        clients_up: list[int] = []

        async def all_clients() -> None:
            received: list[float] = []
            await asyncio.gather(*(client(received) for _ in range(CLIENTS)))
            latencies.extend((at - published[0]) * 1000 for at in received)

        thread = threading.Thread(target=lambda: loop.run_until_complete(all_clients()))
        thread.start()
        if not ready.wait(60):
            raise BenchError(f"only {len(clients_up)} of {CLIENTS} websocket clients connected")
        time.sleep(0.5)  # every consumer has joined the group
        with transaction.atomic():
            live.publish_seats_left(listing_id=self.listing_id, slot_id=1, seats_left=3)
            published.append(time.perf_counter())  # commit (and the publish) follow
        thread.join(30)
        loop.close()
        if len(latencies) != CLIENTS:
            raise BenchError(f"{CLIENTS - len(latencies)} clients missed the update")
        return Sample(
            requests_per_second=CLIENTS / (max(latencies) / 1000),
            p50_ms=statistics.median(latencies),
            p99_ms=_percentile(latencies, 0.99),
            requests=CLIENTS,
        )


def _start(command: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / log_name).open("ab")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


@section(
    name="outbox",
    summary="outbox: enqueue cost, 10,000 mails to an SMTP sink, websocket fan-out to 500",
    order=60,
)
def outbox_section(ctx: Context) -> Iterator[Plan]:
    fixtures.ensure_schema()
    fixtures.ensure_listings()
    category = Category.objects.order_by("id").first()
    host = Listing.objects.values_list("host_id", flat=True).first()
    if category is None or host is None:
        raise BenchError("the outbox section needs a listing and a category")
    listing = Listing.objects.create(
        host_id=host, category=category, status=Listing.Status.PUBLISHED, title="Bench fan-out"
    )
    sink = SmtpSink()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        sink.start()
        env = {**os.environ, "EMAIL_URL": sink.url}
        processes.append(
            _start(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "urgent",
                 "--concurrency", "2", "--without-gossip", "--without-mingle",
                 "--loglevel", "WARNING", "--hostname", "bench-outbox@%h"],
                env,
                "outbox-worker.log",
            )
        )  # fmt: skip
        port = free_port()
        processes.append(
            _start(
                [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port),
                 "--no-access-log", "--log-level", "warning"],
                env,
                "outbox-uvicorn.log",
            )
        )  # fmt: skip
        connection.close()
        yield Plan(
            probes=[
                EnqueueProbe(key="enqueue", label="enqueue, per effect", concurrency=1),
                DeliverProbe(
                    key="deliver",
                    label="deliver to SMTP",
                    concurrency=2,
                    sink=sink,
                    effects=1_000 if ctx.quick else 10_000,
                ),
                FanoutProbe(
                    key="fanout",
                    label="seats-left to 500 sockets",
                    concurrency=CLIENTS,
                    url=f"ws://127.0.0.1:{port}/ws/listings/{listing.pk}/",
                    listing_id=listing.pk,
                ),
            ]
        )
    finally:
        for process in processes:
            _stop(process)
        sink.stop()
        _forget_bench_mail()
        listing.delete()
