"""`python -m bench`: run the registered sections, print a table and ratios, save JSON.

Every probe is warmed up once, then measured `--runs` times for `--seconds`, the probes of a
section taking turns (A B C, A B C, ...) so that a burst of machine noise hits all of them alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import django

from bench import noise, registry, report
from bench.measure import BenchError, CaseResult, Ratio, RatioResult
from bench.registry import Context, Section

ROOT = Path(__file__).resolve().parent.parent


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Outings benchmarks (see docs/benchmarks.md)."
    )
    parser.add_argument(
        "--section",
        action="append",
        default=[],
        metavar="NAME",
        help="run this section (repeatable; default: all). Required sections run too.",
    )
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument("--runs", type=int, help="measured runs per case (default 3, minimum 3)")
    parser.add_argument("--seconds", type=float, help="length of one run (default 5)")
    parser.add_argument("--warmup", type=float, help="warm-up per case, seconds (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="3 runs of 2 s after 1 s of warm-up: a smoke test"
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    defaults = (3, 2.0, 1.0) if args.quick else (3, 5.0, 3.0)
    args.runs = args.runs or defaults[0]
    args.seconds = args.seconds or defaults[1]
    args.warmup = args.warmup if args.warmup is not None else defaults[2]
    if args.runs < 3:
        parser.error("--runs must be at least 3: a spread needs three points")
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    return args


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM and SIGHUP take the Ctrl-C path, so that every `finally` stops its servers.
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(f"bench | {message}", flush=True)


def _run_section(section: Section, ctx: Context) -> tuple[list[CaseResult], list[Ratio]]:
    _say(f"{section.name}: {section.summary}")
    with section.open(ctx) as plan:
        cases = [
            CaseResult(
                section=section.name,
                key=probe.key,
                label=probe.label,
                concurrency=probe.concurrency,
                tool=probe.tool,
                reference_rps=probe.reference_rps,
            )
            for probe in plan.probes
        ]
        for probe, case in zip(plan.probes, cases, strict=True):
            if ctx.warmup > 0:
                _say(f"{case.name}: warm-up {ctx.warmup:g} s")
                probe.run(ctx.warmup)
        for run in range(1, ctx.runs + 1):
            for probe, case in zip(plan.probes, cases, strict=True):
                sample = probe.run(ctx.seconds)
                case.samples.append(sample)
                _say(
                    f"run {run}/{ctx.runs} {case.name:<28} {sample.requests_per_second:8,.0f} "
                    f"req/s  p50 {sample.p50_ms:6.2f} ms  p99 {sample.p99_ms:6.2f} ms"
                )
        return cases, list(plan.ratios)


def _ratios(cases: Sequence[CaseResult], ratios: Sequence[Ratio]) -> list[RatioResult]:
    by_name = {case.name: case for case in cases}
    results = []
    for ratio in ratios:
        numerator, denominator = by_name.get(ratio.numerator), by_name.get(ratio.denominator)
        top = numerator.median(ratio.metric) if numerator else None
        bottom = denominator.median(ratio.metric) if denominator else None
        if top is None or not bottom:
            _say(f"ratio {ratio.label!r} skipped: a figure it needs was not measured")
            continue
        results.append(RatioResult(ratio=ratio, value=top / bottom))
    return results


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()  # before discover(): sections import models
    available = registry.discover()
    if args.list:
        for section in available.values():
            requires = f" (requires {', '.join(section.requires)})" if section.requires else ""
            print(f"{section.name:<12} {section.summary}{requires}")
        return 0
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    started = datetime.now(UTC)
    ctx = Context(runs=args.runs, seconds=args.seconds, warmup=args.warmup, quick=args.quick)
    try:
        selected = registry.select(available, args.section)
        _say("measuring machine noise")
        noise_before = noise.measure()
        cases: list[CaseResult] = []
        ratios: list[Ratio] = []
        for section in selected:
            section_cases, section_ratios = _run_section(section, ctx)
            cases += section_cases
            ratios += section_ratios
        noise_after = noise.measure()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench | interrupted; servers stopped", file=sys.stderr)
        return 130
    ratio_results = _ratios(cases, ratios)
    noises = {"before": noise_before, "after": noise_after}
    header = (
        f"make bench · {started:%Y-%m-%d %H:%M} UTC · {os.cpu_count()} CPUs · {args.runs} runs × "
        f"{args.seconds:g} s after {args.warmup:g} s warm-up · commit {_git_commit() or '?'}"
    )
    print()
    print(report.table(header=header, cases=cases, ratios=ratio_results, noise=noises))
    if not args.no_save:
        meta: dict[str, object] = {
            "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "command": ["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)],
            "commit": _git_commit(),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "django": django.get_version(),
            },
            "settings": {"runs": args.runs, "seconds": args.seconds, "warmup": args.warmup},
        }
        path = report.save(
            report.to_json(meta=meta, cases=cases, ratios=ratio_results, noise=noises),
            started.strftime("%Y%m%dT%H%M%SZ"),
        )
        print(f"\nsaved {path.relative_to(ROOT)}")
    return 0
