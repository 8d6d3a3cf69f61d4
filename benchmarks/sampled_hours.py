"""Sampled hours against the full representative day: p95, SLO attainment, fallback, GPU-hours.

Run on demand: ``.venv/bin/python benchmarks/sampled_hours.py [--replications R] [--cases ...]``.
Each case runs twice on the same seeds with the compiled engine: whole representative days
(``simulation.sampled_hours_above_requests: null``) and sampled hours at the floor
(``planner.sampled_hours``; a threshold of 1,000 requests forces sampling and the budget then
gives the shortest hours the floor allows, the hardest case for fidelity). A figure agrees
(``ok``) when the two differ by at most 2 % (a rate against max(rate, 1 %), as the precision
rule judges it) or each lies inside the other's 95 % interval. The table also prints the
simulated requests a replication and the wall time of both, so the saving is in the same table
as its price. Cases: the article at 5M and 10M a month, the seasonal app at 300k and 1M (its
pool overloaded in season: the known limit, see the README), the factory's cloud-only and
local-first counterparts (all 40 cells share the pool), and the kiosk's (all 300 stores share
it; as configured, 12 L4 at 94 % of their capacity, and at the 25 L4 the decision prices),
against hours of 600 s where a whole day does not fit in memory (``REFERENCE_BUDGET``). The
factory's and the kiosk's open hours are steady flat windows, cut to 10 s hours.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

from planner.presets import apply_overrides, load
from planner.run import RunResult, run
from planner.scenario import Scenario

FIGURES = ("latency_ms.p95", "slo_attainment", "fallback_rate", "cloud.gpu_hours")
RATES = ("slo_attainment", "fallback_rate")
TOLERANCE = 0.02
RATE_FLOOR = 0.01
FORCE_SAMPLING = 1000
"""A threshold below any case's volume: sampling at the floor (the budget asks for less)."""

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "article_5M": ("article_1m_chat", {"workload.requests_per_month": 5_000_000}),
    "article_10M": ("article_1m_chat", {"workload.requests_per_month": 10_000_000}),
    "article_10M_no_outages": (
        "article_1m_chat",
        {"workload.requests_per_month": 10_000_000, "network.outages_per_day": 0},
    ),
    "seasonal_300k": ("seasonal_burst_app", {"workload.requests_per_month": 300_000}),
    "seasonal_1M": ("seasonal_burst_app", {"workload.requests_per_month": 1_000_000}),
    "factory_cloud_only": ("factory_robotics_control_loop", {"policy.routing.kind": "cloud_only"}),
    "factory_local_first": (
        "factory_robotics_control_loop",
        {"policy.routing.kind": "local_first"},
    ),
    "kiosk_cloud_only": ("retail_kiosk_vision", {"policy.routing.kind": "cloud_only"}),
    "kiosk_cloud_only_25": (
        "retail_kiosk_vision",
        {"policy.routing.kind": "cloud_only", "cloud.min_replicas": 25, "cloud.max_replicas": 25},
    ),
    "kiosk_local_first": ("retail_kiosk_vision", {"policy.routing.kind": "local_first"}),
}
REFERENCE_BUDGET: dict[str, int] = {
    case: 6_750_000 for case in ("kiosk_cloud_only", "kiosk_cloud_only_25", "kiosk_local_first")
}
"""Cases whose whole day does not fit in memory (the kiosk's 300 stores: 40.5M frames a
replication) are compared with sampled hours of L = 600 s (6.75M a replication, 150 s warm-up)
instead; the steady hours of ``planner.sampled_hours`` claim a shorter hour changes nothing."""


@dataclass(frozen=True)
class Row:
    case: str
    figure: str
    full: float
    sampled: float
    relative: float
    inside: bool
    ok: bool


def relative_diff(a: float, b: float, rate: bool) -> float:
    """(b - a) over a (a rate: over max(a, 1 %)); 0 when both are equal or both undefined."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    scale = max(abs(a), RATE_FLOOR) if rate else abs(a)
    return (b - a) / scale if scale else math.inf


def inside(value: float, ci: tuple[float, float] | None) -> bool:
    return ci is not None and ci[0] - 1e-12 <= value <= ci[1] + 1e-12


def compare(case: str, full: RunResult, sampled: RunResult) -> list[Row]:
    rows = []
    for key in FIGURES:
        a, b = full.get(key), sampled.get(key)
        diff = relative_diff(a, b, key in RATES)
        both = inside(a, sampled.ci95.get(key)) and inside(b, full.ci95.get(key))
        rows.append(Row(case, key, a, b, diff, both, abs(diff) <= TOLERANCE or both))
    return rows


def timed(s: Scenario) -> tuple[RunResult, float]:
    started = time.perf_counter()
    r = run(s, decide_too=False)
    return r, time.perf_counter() - started


def run_case(case: str, replications: int) -> tuple[list[Row], str]:
    preset, overrides = CASES[case]
    base = apply_overrides(load(preset), {**overrides, "simulation.replications": replications})
    reference = REFERENCE_BUDGET.get(case)
    full, full_s = timed(
        apply_overrides(base, {"simulation.sampled_hours_above_requests": reference})
    )
    cut = apply_overrides(base, {"simulation.sampled_hours_above_requests": FORCE_SAMPLING})
    sampled, sampled_s = timed(cut)
    per_rep = f"{full.plan.expected_requests:,.0f} -> {sampled.plan.expected_requests:,.0f}"
    note = next((n for n in sampled.plan.notes if n.startswith("sampled hours")), "not sampled")
    head = (
        f"{case}: {sampled.plan.horizon}; requests a replication {per_rep}; wall "
        f"{full_s:.1f} s -> {sampled_s:.1f} s\n  {note}"
    )
    return compare(case, full, sampled), head


def table(rows: list[Row]) -> list[str]:
    out = [
        f"{'case':22} {'figure':16} {'full day':>12} {'sampled':>12} {'diff':>8} "
        f"{'in CIs':>6} {'agree':>5}"
    ]
    for r in rows:
        out.append(
            f"{r.case:22} {r.figure:16} {r.full:>12.4g} {r.sampled:>12.4g} {r.relative:>+8.2%} "
            f"{'yes' if r.inside else 'no':>6} {'ok' if r.ok else 'OFF':>5}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for case in args.cases:
        got, head = run_case(case, args.replications)
        print(head, flush=True)
        rows += got
    print("\n".join(table(rows)))
    off = [r for r in rows if not r.ok]
    print(f"\n{len(rows) - len(off)} of {len(rows)} figures agree")
    return 1 if off else 0


if __name__ == "__main__":
    sys.exit(main())
