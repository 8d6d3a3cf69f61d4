"""Representative days against a full-month run: p95 latency, fallback rate and GPU hours.

Run on demand: ``.venv/bin/python benchmarks/representative_days.py [--replications R]
[--presets NAME ...] [--no-sampled]``. For every preset whose plan (horizon ``auto``) simulates
representative days, both horizons run with the same seeds (the compiled engine) and the table
prints each figure's relative difference with its 95 % interval (from the two runs' own
intervals) and a verdict against the 2 % criterion: ``within`` when the whole interval of the
difference lies inside +-2 %, ``OUTSIDE`` when it lies wholly outside, ``open`` when the
replications cannot tell (the interval straddles a 2 % bound: more replications would).
Where the plan simulates rare device failures as strata (``planner.failure_strata``), a third
run leaves the failures to chance within the day as before (``sampled``; ``--no-sampled`` skips
it), so the table shows what the strata buy and what they cost in wall time. The last two
columns are each horizon's own 95 % half-width relative to its value: a difference inside the
full month's is noise of the reference, not of the shortcut. Presets the planner already
simulates in full (small volume, or a monthly budget) are listed with the plan's reason;
presets whose full month is beyond this benchmark's budget are listed as such.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable

from planner.plan import Plan, build_plan
from planner.presets import apply_overrides, list_presets, load
from planner.run import RunResult, run
from planner.scenario import Scenario

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


def relative_half(value: float, ci: tuple[float, float] | None) -> float:
    """The 95 % half-width relative to the value (0 for an exact zero, nan if unknown)."""
    if ci is None:
        return math.nan
    half = (ci[1] - ci[0]) / 2
    if value == 0:
        return math.inf if half > 0 else 0.0  # a zero with no spread (nan: all zero)
    return half / abs(value)


def diff_half(a: float, ha: float, b: float, hb: float) -> float:
    """95 % half-width of b / a - 1 from the two relative half-widths (delta method)."""
    if a == b == 0:
        return 0.0
    return abs(b / a) * math.hypot(ha, hb) if a else math.inf


def verdict(diff: float, half: float) -> str:
    """Is the difference shown within the tolerance, shown outside it, or still open?"""
    if abs(diff) + half <= TOLERANCE:
        return "within"
    if abs(diff) - half > TOLERANCE:
        return "OUTSIDE"
    return "open"


def compare(name: str, full: RunResult, rep: RunResult, sampled: RunResult | None) -> list[str]:
    lines = []
    for key in FIGURES:
        a, b = full.get(key), rep.get(key)
        diff = relative_diff(a, b)
        ha, hb = relative_half(a, full.ci95.get(key)), relative_half(b, rep.ci95.get(key))
        half = diff_half(a, ha, b, hb)
        ok = verdict(diff, half) if key in CHECKED else ""
        old = f"{relative_diff(a, sampled.get(key)):>+8.2%}" if sampled else f"{'':>8}"
        lines.append(
            f"{name:32} {key:16} {a:>12.4g} {b:>12.4g} {diff:>+8.2%} {half:>7.2%} {ok:>7} "
            f"{old} {ha:>7.2%} {hb:>7.2%}"
        )
    return lines


def patched(module: str, name: str, value: object) -> Callable[[], None]:
    """Replace ``module.name`` for this benchmark's comparison run; returns the undo."""
    mod = sys.modules[module]
    real = getattr(mod, name)
    setattr(mod, name, value)
    return lambda: setattr(mod, name, real)


def sampled_plan(s: Scenario) -> Plan:
    """The plan as before the failure strata: rare failures left to chance within the day."""
    undo = patched("planner.plan", "rare_failures", lambda *_a: None)
    try:
        return build_plan(s, check=False)
    finally:
        undo()


def timed(s: Scenario, plan: Plan | None = None) -> tuple[RunResult, float]:
    t = time.perf_counter()
    if plan is None:
        return run(s, decide_too=False), time.perf_counter() - t
    undo = patched("planner.prepare", "build_plan", lambda *_a, **_k: plan)  # run() plans there
    try:
        return run(s, decide_too=False), time.perf_counter() - t
    finally:
        undo()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--presets", nargs="*", default=None, help="default: every preset")
    ap.add_argument(
        "--no-sampled", action="store_true", help="skip the run with failures left to chance"
    )
    args = ap.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}, {args.replications} replications per horizon, compiled engine"
    )
    print(
        f"{'preset':32} {'figure':16} {'full month':>12} {'rep. days':>12} {'diff':>8} "
        f"{'+-95 %':>7} {'2 %':>7} {'sampled':>8} {'full CI':>7} {'rep CI':>7}"
    )
    for name in args.presets or [n for n, _ in list_presets()]:
        base = {"simulation.replications": args.replications, "simulation.processes": 2}
        s = apply_overrides(load(name), base)
        plan = build_plan(s, check=False)
        if plan.horizon == "full_month":
            print(f"{name:32} full month already: {'; '.join(plan.notes)}")
            continue
        wide = {"simulation.max_simulated_requests": 10**9}
        month = {**wide, "simulation.horizon": "full_month"}
        full_plan = build_plan(apply_overrides(s, month), check=False)
        if full_plan.expected_requests > FULL_MONTH_BUDGET:
            print(
                f"{name:32} full month not run: {full_plan.expected_requests:,.0f} requests "
                f"a replication (budget {FULL_MONTH_BUDGET:,}); plan: {len(plan.segments)} "
                f"day type(s): {', '.join(g.label for g in plan.segments)}"
            )
            whole_days(name, s)
            continue
        v_full = apply_overrides(s, {**wide, "simulation.horizon": "full_month"})
        v_rep = apply_overrides(s, {**wide, "simulation.horizon": "representative_days"})
        full, t_full = timed(v_full)
        rep, t_rep = timed(v_rep)
        rep_plan = build_plan(v_rep, check=False)
        strata = any(not g.failures for g in rep_plan.segments)
        sampled, t_sampled = (
            timed(v_rep, sampled_plan(v_rep)) if strata and not args.no_sampled else (None, 0.0)
        )
        print("\n".join(compare(name, full, rep, sampled)))
        print(
            f"{'':32} wall: full month {t_full:.1f} s, representative days {t_rep:.1f} s"
            + (
                f" ({len(rep_plan.segments)} segments), failures sampled {t_sampled:.1f} s"
                if sampled
                else ""
            ),
            flush=True,
        )


def whole_days(name: str, s: Scenario) -> None:
    """Where the plan samples hours of a flat day, compare the plan as shipped with whole open
    days simulated in full (the part of the shortcut that a budget-sized run can check)."""
    if s.simulation.hours_per_day_simulated is None:
        return
    wide = {"simulation.max_simulated_requests": 10**9, "simulation.horizon": "representative_days"}
    whole = {
        "simulation.hours_per_day_simulated": None,
        "simulation.sampled_hours_above_requests": None,
    }
    days = apply_overrides(s, {**wide, **whole})
    need = build_plan(days, check=False).expected_requests
    if need > FULL_MONTH_BUDGET:
        print(f"{name:32} whole open days not run either: {need:,.0f} requests a replication")
        return
    whole, t_whole = timed(days)
    sampled, t_sampled = timed(apply_overrides(s, wide))
    print("\n".join(compare(f"{name} (hours vs whole days)", whole, sampled, None)))
    print(f"{'':32} wall: whole open days {t_whole:.1f} s, sampled hours {t_sampled:.1f} s")


if __name__ == "__main__":
    main()
