"""The printed table and the JSON file of one run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from bench.measure import CaseResult, RatioResult, Spread
from bench.noise import Noise

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _rps(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _spread(spread: Spread, number: str) -> str:
    """The median, then (min-max), e.g. 4,520 (4,402-4,610) with an en dash."""
    if number == "rps":
        return f"{_rps(spread.median)} ({_rps(spread.min)}–{_rps(spread.max)})"
    return f"{_ms(spread.median)} ({_ms(spread.min)}–{_ms(spread.max)})"


def noise_line(label: str, noise: Noise) -> str:
    probe = noise.probe_ms
    pressure = (
        f", CPU waits {noise.cpu_pressure_pct:.0f}%" if noise.cpu_pressure_pct is not None else ""
    )
    return (
        f"noise {label + ':':<7} other load {noise.background_cpu_pct:.0f}% CPU{pressure}, steal "
        f"{noise.steal_pct:.1f}%, load avg {noise.load_1m:.2f}; CPU probe "
        f"{probe.median:.0f} ms ({probe.min:.0f}–{probe.max:.0f}, spread "
        f"{noise.probe_spread_pct:.0f}%)"
    )


def table(
    *,
    header: str,
    cases: Sequence[CaseResult],
    ratios: Sequence[RatioResult],
    noise: Mapping[str, Noise],
) -> str:
    rows = [
        (
            case.name,
            case.label,
            str(case.concurrency),
            case.tool,
            _spread(case.rps, "rps"),
            f"{case.rps.relative * 100:.0f}%",
            _spread(case.p50_ms, "ms"),
            _spread(case.p99_ms, "ms"),
            f"{case.cpu_ms.median:.2f}" if case.cpu_ms else "",
            f"~{_rps(case.reference_rps)}" if case.reference_rps else "",
        )
        for case in cases
    ]
    titles = (
        "case",
        "what",
        "conns",
        "load",
        "req/s median (min–max)",
        "spread",
        "p50 ms",
        "p99 ms",
        "CPU ms/req",
        "DESIGN §8",
    )
    widths = [max(len(row[i]) for row in [titles, *rows]) for i in range(len(titles))]
    right = {2, 4, 5, 6, 7, 8, 9}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [header, *(noise_line(label, value) for label, value in noise.items())]
    if any(value.busy for value in noise.values()):
        out.append(
            "warning: the machine was busy (other load or probe spread over 10%): compare the "
            "ratios, not the absolute figures, with other runs"
        )
    out.append("")
    out += [line(titles), line(["-" * w for w in widths]), *(line(row) for row in rows)]
    errors = [f"{case.name}: {case.errors} socket errors" for case in cases if case.errors]
    if errors:
        out += ["", "note: " + "; ".join(errors)]
    if ratios:
        label_width = max(len(r.ratio.label) for r in ratios)
        out += ["", f"{'ratios of medians, same run'.ljust(label_width)}   value  DESIGN §8"]
        # req/s ratios first, then CPU ratios; each keeps its section's order
        ratios = sorted(ratios, key=lambda r: r.ratio.metric != "rps")
        for result in ratios:
            reference = f"{result.ratio.reference:.2f}×" if result.ratio.reference else ""
            row = f"{result.ratio.label.ljust(label_width)}  {result.value:5.2f}×  {reference:>9}"
            out.append(row.rstrip())
    return "\n".join(out)


def to_json(
    *,
    meta: Mapping[str, object],
    cases: Sequence[CaseResult],
    ratios: Sequence[RatioResult],
    noise: Mapping[str, Noise],
) -> dict[str, object]:
    return {
        **meta,
        "noise": {
            label: {
                **asdict(value),
                "probe_spread_pct": value.probe_spread_pct,
                "busy": value.busy,
            }
            for label, value in noise.items()
        },
        "cases": [
            {
                "name": case.name,
                "label": case.label,
                "concurrency": case.concurrency,
                "tool": case.tool,
                "reference_rps": case.reference_rps,
                "rps": asdict(case.rps),
                "p50_ms": asdict(case.p50_ms),
                "p99_ms": asdict(case.p99_ms),
                "cpu_ms_per_request": asdict(case.cpu_ms) if case.cpu_ms else None,
                "samples": [asdict(sample) for sample in case.samples],
            }
            for case in cases
        ],
        "ratios": [{**asdict(result.ratio), "value": result.value} for result in ratios],
    }


def save(document: Mapping[str, object], stamp: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{stamp}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path
