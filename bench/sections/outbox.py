"""Background work (issue 5): what the transactional outbox costs the request that enqueues, how
fast a worker empties it into an SMTP server, and how fast a seats-left update reaches 500 open
websockets.

- enqueue: transactions of 100 `outbox.enqueue` calls; the figure is per effect (target 0.5 ms);
- deliver: 10,000 mails (1,000 with --quick) enqueued in 100 transactions, delivered by a real
  Celery worker (urgent queue, 2 processes) to an aiosmtpd sink; rate and commit-to-delivery
  latency (target: all 10,000 within 30 s);
- fanout: 500 websocket clients on one listing (uvicorn + Channels, the profile's channel layer),
  one seats-left update published after commit; p50/p99 from commit to receipt (target 500 ms).

"CPU ms/req" is CPU time per effect, which moves far less than req/s when other programs take
the cores: for enqueue, the bench process and its PostgreSQL backend; for deliver, the worker
processes, the bench process (the SMTP sink runs in it, and the enqueueing) and the bench
database's PostgreSQL backends (a line per run splits it). After the runs the section prints each
target, met or MISSED.

Rows it creates (bench mails, one published "bench fan-out" listing) are deleted afterwards, and
the outbox table is vacuumed after each run: a server without autovacuum (this CI machine's) would
otherwise make every run scan the dead rows of the runs before it. Do not run it next to
`make run`: that worker would take part of the mail.
"""

from __future__ import annotations

import asyncio
import os
import signal
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
from bench.server import LOG_DIR, ROOT, free_port, process_group_cpu_seconds
from outings.catalog.models import Category, Listing
from outings.common.models import OutboxMessage
from outings.notifications import emails, live
from outings.notifications.tests.smtp_sink import SmtpSink

BENCH_TO = "bench-{n}@outings.localhost"
CLIENTS = 500
WORKER_CONCURRENCY = 2  # as `make run` (outings/common/runner.py) and deploy/Procfile ship it
TARGET_ENQUEUE_MS = 0.5
TARGET_DELIVER_SECONDS = 30.0  # for 10,000 mails: 333 mails/s
TARGET_FANOUT_P99_MS = 500.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _say(message: str) -> None:
    print(f"bench | {message}", flush=True)


def _database_backends_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the bench database (the bench
    process's and the workers'), read from /proc: the server is on this machine."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend'"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:  # ended meanwhile, or another machine's server
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return seconds


@dataclass
class CpuClock:
    """CPU seconds spent since `start` by this process, a process group and the bench database's
    backends (backends that ended meanwhile are missed: a lower bound)."""

    group: int | None = None
    _process: float = 0.0
    _group: float = 0.0
    _backends: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        self._backends = _database_backends_cpu()
        self._group = process_group_cpu_seconds(self.group) if self.group else 0.0
        self._process = time.process_time()

    def read(self) -> tuple[float, float, float]:
        """(this process, the group, the database backends) since `start`."""
        process = time.process_time() - self._process  # before reading the others costs some
        group = (process_group_cpu_seconds(self.group) - self._group) if self.group else 0.0
        backends = _database_backends_cpu()
        return (
            process,
            group,
            sum(cpu - self._backends.get(pid, 0.0) for pid, cpu in backends.items()),
        )


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
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {OutboxMessage._meta.db_table}")


@dataclass
class EnqueueProbe(Probe):
    # The worker of the deliver case, paused meanwhile (see `run`).
    worker_group: int = 0
    history: list[Sample] = field(default_factory=list)

    @property
    def tool(self) -> str:
        return "in-process, 100 per transaction"

    def run(self, seconds: float) -> Sample:
        """Enqueued only: each transaction's mail is deleted right after it, outside the timed
        transactions and the CPU clock. The worker is stopped (SIGSTOP) meanwhile: every commit
        nudges it, and delivering these rows would take the cores from the enqueueing being
        measured. The nudges wait in the broker and cost a claim each once it continues."""
        deadline, times, cpu = time.monotonic() + seconds, [], 0.0
        clock = CpuClock()
        if self.worker_group:
            os.killpg(self.worker_group, signal.SIGSTOP)
        try:
            while time.monotonic() < deadline:
                clock.start()
                times += _enqueue(100, per_transaction=100)
                process, _, backends = clock.read()
                cpu += process + backends
                OutboxMessage.objects.filter(
                    kind=emails.KIND, payload__to__startswith="bench-"
                ).delete()
        finally:
            if self.worker_group:
                os.killpg(self.worker_group, signal.SIGCONT)
        _forget_bench_mail()
        effects = 100 * len(times)
        sample = Sample(
            requests_per_second=effects / seconds,
            p50_ms=statistics.median(times),
            p99_ms=_percentile(times, 0.99),
            requests=effects,
            cpu_ms_per_request=1000 * cpu / effects,
        )
        self.history.append(sample)
        return sample


@dataclass
class DeliverProbe(Probe):
    sink: SmtpSink = field(default_factory=SmtpSink)
    effects: int = 10_000
    worker_group: int = 0
    history: list[Sample] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def tool(self) -> str:
        return f"celery worker x{WORKER_CONCURRENCY} → aiosmtpd"

    def run(self, seconds: float) -> Sample:
        before = len(self.sink.recorder.messages)
        clock = CpuClock(group=self.worker_group)
        clock.start()
        began = time.perf_counter()
        _enqueue(self.effects, per_transaction=self.effects // 100)
        deadline = time.monotonic() + max(120.0, seconds)
        while len(self.sink.recorder.messages) - before < self.effects:
            if time.monotonic() > deadline:
                raise BenchError("the outbox did not deliver the bench mail within 120 s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
        process, workers, backends = clock.read()
        per_mail = [1000 * cpu / self.effects for cpu in (workers, process, backends)]
        _say(
            f"outbox.deliver: {self.effects:,} mails in {elapsed:.1f} s; CPU per mail "
            f"{sum(per_mail):.2f} ms: workers {per_mail[0]:.2f}, bench process (enqueue, SMTP "
            f"sink) {per_mail[1]:.2f}, PostgreSQL {per_mail[2]:.2f}"
        )
        rows = OutboxMessage.objects.filter(kind=emails.KIND, payload__to__startswith="bench-")
        latencies = [
            (finished - created).total_seconds() * 1000
            for created, finished in rows.values_list("created_at", "finished_at")
            if finished is not None
        ]
        _forget_bench_mail()
        sample = Sample(
            requests_per_second=self.effects / elapsed,
            p50_ms=statistics.median(latencies),
            p99_ms=_percentile(latencies, 0.99),
            requests=self.effects,
            cpu_ms_per_request=sum(per_mail),
        )
        self.history.append(sample)
        self.seconds.append(elapsed)
        return sample


@dataclass
class FanoutProbe(Probe):
    url: str = ""
    listing_id: int = 0
    history: list[Sample] = field(default_factory=list)

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
                    # The page's own origin: the host and port the socket connects to.
                    origin = "http" + self.url.removeprefix("ws").split("/ws/")[0]
                    socket = await connect(self.url, origin=origin)  # type: ignore[arg-type]
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
            live.publish_seats_left(listing_id=self.listing_id, slot_id=1, seats_left=3, change=1)
            published.append(time.perf_counter())  # commit (and the publish) follow
        thread.join(30)
        loop.close()
        if len(latencies) != CLIENTS:
            raise BenchError(f"{CLIENTS - len(latencies)} clients missed the update")
        sample = Sample(
            requests_per_second=CLIENTS / (max(latencies) / 1000),
            p50_ms=statistics.median(latencies),
            p99_ms=_percentile(latencies, 0.99),
            requests=CLIENTS,
        )
        self.history.append(sample)
        return sample


def _verdict(enqueue: EnqueueProbe, deliver: DeliverProbe, fanout: FanoutProbe, runs: int) -> None:
    """The issue's targets, met or missed, from the measured runs (the warm-up left out)."""

    def line(name: str, values: list[float], target: str, met: bool) -> None:
        median = statistics.median(values)
        verdict = "met" if met else "MISSED"
        _say(
            f"outbox target {name:<44} {median:8.2f} ({min(values):.2f}–{max(values):.2f})  "
            f"{target:<8} {verdict}"
        )

    per_effect = [s.p50_ms for s in enqueue.history[-runs:]]
    line(
        "enqueue ms per effect, p50 of transactions",
        per_effect,
        f"≤ {TARGET_ENQUEUE_MS:g}",
        statistics.median(per_effect) <= TARGET_ENQUEUE_MS,
    )
    rate = [s.requests_per_second for s in deliver.history[-runs:]]
    needed = 10_000 / TARGET_DELIVER_SECONDS
    line(
        f"deliver mails/s ({deliver.effects:,} mails; 10,000 in 30 s)",
        rate,
        f"≥ {needed:.0f}",
        statistics.median(rate) >= needed,
    )
    p99 = [s.p99_ms for s in fanout.history[-runs:]]
    line(
        f"seats-left to {CLIENTS} sockets, p99 ms",
        p99,
        f"≤ {TARGET_FANOUT_P99_MS:g}",
        statistics.median(p99) <= TARGET_FANOUT_P99_MS,
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
        worker = _start(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "urgent",
             "--concurrency", str(WORKER_CONCURRENCY), "--without-gossip", "--without-mingle",
             "--loglevel", "WARNING", "--hostname", "bench-outbox@%h"],
            env,
            "outbox-worker.log",
        )  # fmt: skip
        processes.append(worker)
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
        enqueue = EnqueueProbe(
            key="enqueue", label="enqueue, per effect", concurrency=1, worker_group=worker.pid
        )
        deliver = DeliverProbe(
            key="deliver",
            label="deliver to SMTP",
            concurrency=WORKER_CONCURRENCY,
            sink=sink,
            effects=1_000 if ctx.quick else 10_000,
            worker_group=worker.pid,
        )
        fanout = FanoutProbe(
            key="fanout",
            label="seats-left to 500 sockets",
            concurrency=CLIENTS,
            url=f"ws://127.0.0.1:{port}/ws/listings/{listing.pk}/",
            listing_id=listing.pk,
        )
        yield Plan(probes=[enqueue, deliver, fanout])
        _verdict(enqueue, deliver, fanout, ctx.runs)
    finally:
        for process in processes:
            _stop(process)
        sink.stop()
        _forget_bench_mail()
        listing.delete()
