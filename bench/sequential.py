"""A probe that sends one HTTP request at a time and times each one (the 1-connection cases of
the search and API sections).

wrk is not used at one connection: it "corrects" its latency histogram for coordinated omission
(stats_correct: every sample longer than the mean interval between requests adds synthetic
samples of it minus 1, 2, ... intervals), which at one connection and a heavy-tailed mix moves the
p50 far from any real request's time. Measured here: two 7 ms autocomplete requests and one
310 ms one, in turn, read as p50 116 ms in wrk and 7 ms when timed one by one. Each request opens
its own connection: gunicorn's sync workers close it after every answer anyway.
"""

from __future__ import annotations

import http.client
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.measure import BenchError, Probe, Sample, settle_and_prime


@dataclass
class SequentialProbe(Probe):
    """One request at a time over `paths` (in turn, from a random start), each one timed.
    An answer with `counted_status` (the search's 503 for a search that ran out of time) is
    counted as an error of the run; any other answer outside 2xx/3xx fails it. Every run lasts
    at least `min_seconds`."""

    host: str = "127.0.0.1"
    port: int = 0
    paths: Sequence[str] = ()
    headers: dict[str, str] = field(default_factory=dict)
    server_cpu: Callable[[], float] | None = None
    settle: Callable[[], None] | None = None
    prime: Callable[[], object] | None = None
    counted_status: int | None = None
    min_seconds: float = 0.0
    history: list[Sample] = field(default_factory=list)

    @property
    def tool(self) -> str:
        return "http.client x1"

    def run(self, seconds: float) -> Sample:
        if self.concurrency != 1 or not self.paths:
            raise BenchError("SequentialProbe runs one connection over a list of paths")
        settle_and_prime(self.settle, self.prime)
        seconds = max(self.min_seconds, seconds)
        at = random.randrange(len(self.paths))
        latencies: list[float] = []
        counted = 0
        cpu_before = self.server_cpu() if self.server_cpu else 0.0
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            path = self.paths[at % len(self.paths)]
            at += 1
            client = http.client.HTTPConnection(self.host, self.port, timeout=30)
            sent = time.perf_counter()
            try:
                client.request("GET", path, headers=self.headers)
                response = client.getresponse()
                response.read()
            finally:
                client.close()
            latencies.append((time.perf_counter() - sent) * 1000)
            if response.status == self.counted_status:
                counted += 1
            elif not 200 <= response.status < 400:
                raise BenchError(f"GET {path} answered {response.status}")
        elapsed = time.perf_counter() - began
        cpu_used = (self.server_cpu() - cpu_before) if self.server_cpu else None
        latencies.sort()
        sample = Sample(
            requests_per_second=len(latencies) / elapsed,
            p50_ms=latencies[len(latencies) // 2],
            p99_ms=latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            requests=len(latencies),
            errors=counted,
            cpu_ms_per_request=None if cpu_used is None else 1000 * cpu_used / len(latencies),
        )
        self.history.append(sample)
        return sample
