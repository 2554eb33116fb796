"""What a section hands to the runner (probes and ratios) and what the runner gives back."""

from __future__ import annotations

import statistics
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Sample:
    """One timed run of one probe."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    # Socket errors and timeouts; answers that are not 2xx/3xx fail the run instead.
    errors: int = 0
    # CPU time the application side (server workers, or the psycopg client) spent per request.
    # Unlike req/s it barely moves when other programs take the cores: the figure to compare
    # on a busy machine.
    cpu_ms_per_request: float | None = None


@dataclass(frozen=True)
class Spread:
    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("a spread needs at least one value")
        return cls(min=min(values), median=statistics.median(values), max=max(values))

    @property
    def relative(self) -> float:
        """(max - min) / median: 0.05 means the runs disagree by 5 %."""
        return (self.max - self.min) / self.median if self.median else 0.0


@dataclass
class Probe(ABC):
    """One load to measure, e.g. "the bare view at 16 connections".

    `key` is unique within its section; the runner calls `run` once to warm up, then once per run,
    interleaving the probes of a section so that a burst of machine noise lands on all of them.
    """

    key: str
    label: str
    concurrency: int
    # The matching figure in DESIGN.md section 8 (requests/s), when there is one.
    reference_rps: float | None = None

    @property
    @abstractmethod
    def tool(self) -> str:
        """What generated the load, e.g. "wrk" or "psycopg 4x4"."""

    @abstractmethod
    def run(self, seconds: float) -> Sample:
        """Apply the load for `seconds` and measure it. Raises BenchError on a wrong answer."""


@dataclass(frozen=True)
class Ratio:
    """median(numerator) / median(denominator) of req/s (metric="rps") or of application CPU
    time per request (metric="cpu_ms"), both measured in the same run.

    Cases are named "section.key", so a later section can compare itself with the baseline.
    """

    label: str
    numerator: str
    denominator: str
    reference: float | None = None
    metric: Literal["rps", "cpu_ms"] = "rps"


@dataclass
class Plan:
    """What a section measures, while the section's context (its servers) is open."""

    probes: Sequence[Probe]
    ratios: Sequence[Ratio] = ()


@dataclass
class CaseResult:
    section: str
    key: str
    label: str
    concurrency: int
    tool: str
    reference_rps: float | None
    samples: list[Sample] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def rps(self) -> Spread:
        return Spread.of([s.requests_per_second for s in self.samples])

    @property
    def p50_ms(self) -> Spread:
        return Spread.of([s.p50_ms for s in self.samples])

    @property
    def p99_ms(self) -> Spread:
        return Spread.of([s.p99_ms for s in self.samples])

    @property
    def cpu_ms(self) -> Spread | None:
        values = [s.cpu_ms_per_request for s in self.samples if s.cpu_ms_per_request is not None]
        return Spread.of(values) if values else None

    def median(self, metric: Literal["rps", "cpu_ms"]) -> float | None:
        spread = self.rps if metric == "rps" else self.cpu_ms
        return spread.median if spread else None

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.samples)


@dataclass(frozen=True)
class RatioResult:
    ratio: Ratio
    value: float


class BenchError(RuntimeError):
    """The benchmark cannot give a meaningful figure (missing tool, server down, wrong answers)."""


def settle_and_prime(settle: Callable[[], None] | None, prime: Callable[[], object] | None) -> None:
    """Before a probe's run: wait for the server to go quiet (`settle`), then `prime` it (e.g.
    fill the cache the run reads) and wait again, so that the priming's tail is not measured."""
    if settle is not None:
        settle()
    if prime is not None:
        prime()
        if settle is not None:
            settle()
