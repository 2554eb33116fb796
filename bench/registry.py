"""The section registry: each module in bench/sections/ registers its sections on import.

A section is a generator function decorated with `@section(...)`: it starts what it needs
(servers, data), yields a Plan, and cleans up after the runner has measured it:

    @section(name="search", summary="explore query over HTTP", requires=("baseline",))
    def search(ctx: Context) -> Iterator[Plan]:
        with gunicorn() as server:
            yield Plan(probes=[...], ratios=[Ratio(..., denominator="baseline.bare_c16")])
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from bench.measure import BenchError, Plan


@dataclass(frozen=True)
class Context:
    """What the runner tells every section."""

    runs: int
    seconds: float
    warmup: float
    quick: bool


SectionBody = Callable[[Context], Iterator[Plan]]


@dataclass(frozen=True)
class Section:
    name: str
    summary: str
    body: SectionBody
    order: int
    requires: tuple[str, ...]

    def open(self, ctx: Context) -> AbstractContextManager[Plan]:
        return contextmanager(self.body)(ctx)


_SECTIONS: dict[str, Section] = {}


def section(
    *, name: str, summary: str, order: int = 100, requires: Iterable[str] = ()
) -> Callable[[SectionBody], SectionBody]:
    """Register a section. `order` sorts the sections of a run (baseline is 0); `requires` names
    sections whose cases this one's ratios divide by, which then run too."""

    def register(body: SectionBody) -> SectionBody:
        if name in _SECTIONS:
            raise ValueError(f"bench section {name!r} is registered twice")
        _SECTIONS[name] = Section(
            name=name, summary=summary, body=body, order=order, requires=tuple(requires)
        )
        return body

    return register


def discover() -> dict[str, Section]:
    """Import every module of bench.sections and return the sections in run order."""
    package = importlib.import_module("bench.sections")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(_SECTIONS.items(), key=lambda item: (item[1].order, item[0])))


def select(available: dict[str, Section], names: Iterable[str]) -> list[Section]:
    """The named sections plus what they require, in run order; all of them when none is named."""
    wanted: set[str] = set()
    pending = list(names) or list(available)
    while pending:
        name = pending.pop()
        if name not in available:
            known = ", ".join(available) or "none"
            raise BenchError(f"unknown bench section {name!r} (known: {known})")
        if name not in wanted:
            wanted.add(name)
            pending.extend(available[name].requires)
    return [s for s in available.values() if s.name in wanted]
