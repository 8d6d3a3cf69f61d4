"""Representative days against a full-month run: p95 latency, fallback rate and GPU hours.

Run on demand: ``.venv/bin/python benchmarks/representative_days.py [--replications R]``.
For every preset whose plan (horizon ``auto``) simulates representative days, both horizons run
with the same seeds and the table prints each figure's relative difference, whether it is
within 2 % (``ok``), and whether the two 95 % intervals overlap. Presets the planner already
simulates in full (small volume, or a monthly budget) are listed with the plan's reason;
presets whose full month is beyond this benchmark's budget are listed as such.
"""

from __future__ import annotations

import argparse
import math
import time

from planner.plan import build_plan
from planner.presets import apply_overrides, list_presets, load
from planner.run import RunResult, run

FIGURES = ("latency_ms.p95", "fallback_rate", "cloud.gpu_hours")
CHECKED = ("latency_ms.p95", "fallback_rate")
TOLERANCE = 0.02
FULL_MONTH_BUDGET = 5_000_000
"""Most requests a full-month replication may simulate here (SimPy: ~50k requests/s/core)."""


def relative_diff(a: float, b: float) -> float:
    """(b - a) / a; 0 when both are equal (both zero, or both undefined)."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    return (b - a) / a if a else math.inf


def compare(name: str, full: RunResult, rep: RunResult) -> list[str]:
    lines = []
    for key in FIGURES:
        a, b = full.get(key), rep.get(key)
        diff = relative_diff(a, b)
        ca, cb = full.ci95.get(key), rep.ci95.get(key)
        overlap = "yes" if ca and cb and ca[0] <= cb[1] and cb[0] <= ca[1] else "no"
        ok = ("ok" if abs(diff) <= TOLERANCE else "OFF") if key in CHECKED else ""
        lines.append(f"{name:32} {key:16} {a:>12.4g} {b:>12.4g} {diff:>+8.2%} {ok:>4}  {overlap}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--presets", nargs="*", default=None, help="default: every preset")
    args = ap.parse_args()
    print(
        f"{'preset':32} {'figure':16} {'full month':>12} {'rep. days':>12} {'diff':>8} "
        f"{'2 %':>4}  CIs overlap"
    )
    for name in args.presets or [n for n, _ in list_presets()]:
        base = {"simulation.replications": args.replications, "simulation.processes": 2}
        s = apply_overrides(load(name), base)
        plan = build_plan(s)
        if plan.horizon == "full_month":
            print(f"{name:32} full month already: {'; '.join(plan.notes)}")
            continue
        wide = {"simulation.max_simulated_requests": 10**9}
        full_plan = build_plan(apply_overrides(s, {**wide, "simulation.horizon": "full_month"}))
        if full_plan.expected_requests > FULL_MONTH_BUDGET:
            print(
                f"{name:32} full month not run: {full_plan.expected_requests:,.0f} requests "
                f"a replication (budget {FULL_MONTH_BUDGET:,}); plan: {len(plan.segments)} "
                f"day type(s): {', '.join(g.label for g in plan.segments)}"
            )
            continue
        results = {}
        for horizon in ("full_month", "representative_days"):
            t = time.perf_counter()
            v = apply_overrides(s, {**wide, "simulation.horizon": horizon})
            results[horizon] = (run(v, decide_too=False), time.perf_counter() - t)
        (full, t_full), (rep, t_rep) = results["full_month"], results["representative_days"]
        print("\n".join(compare(name, full, rep)))
        print(f"{'':32} wall: full month {t_full:.1f} s, representative days {t_rep:.1f} s")


if __name__ == "__main__":
    main()
