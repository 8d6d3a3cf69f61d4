"""Representative days against a full-month run: p95 latency, fallback rate and GPU hours.

Run on demand: ``.venv/bin/python benchmarks/representative_days.py [--replications R]
[--day-replications D] [--presets NAME ...] [--no-sampled]``. For every preset whose plan
(horizon ``auto``) simulates representative days, both horizons run R replications with the
preset's seeds (the compiled engine) and the table prints each figure's mean and 95 %
half-width on each side, the relative difference with its 95 % interval (delta method, the two
sides' variances added; they share the preset's seeds, so at most the first day's draws
coincide, a correlation that, being positive, would make this interval wider than needed) and
a verdict against issue 10's 2 %: ``within`` when the whole interval of the difference lies
inside +-2 %, ``OUTSIDE`` when it lies wholly outside, ``open`` when the replications cannot tell.

Device failures and the whole month. Where devices fail (finite MTBF, an edge in the design),
a whole month sees a Poisson number of failures (the default preset 4.1 a month, the farm 1.6
of ~72 h each), and its fallback rate scatters with them: 30 whole-month replications leave the
farm's own interval at +-37 %, which no affordable number of replications brings under 2 %.
The representative days do not draw failures at all (``planner.failure_strata``: strata
weighted by the stationary chance of each state). So the whole month's side is estimated with a
control variate: for each replication, ``failure_strata.realised_down_share`` replays the very
failure draws the engine made (same seed streams; the benchmark checks its device-time share
against the engine's own recorded down time) and gives the share of the month's arrivals that
met their device down. Its expectation is known exactly (MTTR / (MTBF + MTTR): the failure
process starts stationary), so the regression estimator mean(y) - b (mean(c) - p) estimates the
same quantity as the plain mean, the expected whole-month figure, with the failure draws' luck
taken out of its interval (``control_variate_mean``: residual standard error on n - 2 degrees
of freedom). Nothing about the comparison's target changes: both sides still estimate the
expected month, and the raw mean and interval are printed beside the adjusted ones.

Percentiles are exact on both sides: the summary reads them from log-bucket histograms above
1M measured requests a replication (within 0.5 %), which a whole month or whole day crosses and
the shipped plans do not, so the benchmark raises that threshold out of reach for its runs.

Presets the planner already simulates in full are listed with the plan's reason. Presets whose
full month is beyond this benchmark's memory (the kiosk and the factory: 45M and 78M requests
a replication at one site, per-request records of 12-20 GB) are checked in two steps whose
product is the month: the plan as shipped (sampled hours) against whole days simulated in
full, and evidence that whole days are the month. The kiosk closes 10 h a night: the engine's
count of requests still inside at the end of each simulated day (midnight) is printed, and zero
means every day of the month starts empty, so its month is 30 whole days whose only link is the
device failure process (exogenous, and covered by the strata's stationary weights). The factory
runs 24x7: whole single days (warmed up at their own rate) are compared with two consecutive
days run as one segment, which shows whether the state carried over midnight matters.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from planner.failure_strata import control_variate_mean, down_probability, realised_down_share
from planner.month import BINS_PER_DAY, calendar, month_rates
from planner.plan import Plan, base_rate, build_plan
from planner.presets import apply_overrides, list_presets, load
from planner.run import RunResult, run
from planner.scenario import DAYS_PER_MONTH, Scenario
from planner.stats import mean_ci

FIGURES = ("latency_ms.p95", "fallback_rate", "cloud.gpu_hours")
CHECKED = ("latency_ms.p95", "fallback_rate")
TOLERANCE = 0.02
FULL_MONTH_BUDGET = 5_000_000
"""Most requests a full-month replication may simulate here (records ~260 B a request)."""
CONSECUTIVE_DAYS = 2
"""Days run back to back in one segment where the day boundary carries state (24x7)."""
WIDE = {"simulation.max_simulated_requests": 10**9}


def relative_diff(a: float, b: float) -> float:
    """(b - a) / a; 0 when both are equal (both zero, or both undefined)."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    return (b - a) / a if a else math.inf


def relative(value: float, half: float) -> float:
    """A half-width relative to its value (0 for an exact zero with no spread)."""
    if value == 0:
        return math.inf if half > 0 else 0.0
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


def side(result: RunResult, key: str) -> tuple[float, float]:
    """Mean across replications and its 95 % t half-width (0 for a figure always equal)."""
    values = [rep.get(key, math.nan) for rep in result.replications]
    mean, lo, hi = mean_ci(values)
    return mean, (0.0 if math.isnan(lo) else (hi - lo) / 2)


def controls(s: Scenario, result: RunResult) -> list[float] | None:
    """Per replication of a whole-month run, the share of arrivals that met their device down
    (replayed from the engine's failure draws); None where no device can fail. Checks the
    replay against the device time the engine recorded down."""
    if s.policy.routing.kind == "cloud_only" or not s.edge.device_count:
        return None
    if not math.isfinite(s.edge.mtbf_hours):
        return None
    seg, plan = result.plan.segments[0], result.plan
    devices = round(s.edge.device_count * plan.sites_simulated / s.edge.sites)
    out, worst = [], 0.0
    for r, rep in enumerate(result.replications):
        time_share, arrival_share = realised_down_share(s, seg, r, devices)
        busy_s, util = rep["edge.busy_hours"] * 3600, rep["edge.utilization"]
        if util > 0:
            up_s = busy_s / util / plan.site_scale
            recorded = 1 - up_s / (devices * (seg.rates.size * seg.bin_s - seg.warmup_s))
            worst = max(worst, abs(recorded - time_share))
        out.append(arrival_share)
    print(
        f"{'':32} control: replayed device-down time share vs the engine's record, largest "
        f"gap {worst:.1e} over {len(out)} replications; arrivals at a down device "
        f"{sum(out) / len(out):.5f} on average (expectation {down_probability(s):.5f})"
    )
    return out


def compare(name: str, full: RunResult, rep: RunResult, c: list[float] | None, p: float) -> None:
    for key in FIGURES:
        a, ha = side(full, key)
        raw = f"{a:>11.5g} ±{relative(a, ha):>6.2%}"
        if c is not None:
            ys = [r.get(key, math.nan) for r in full.replications]
            a, ha, _ = control_variate_mean(ys, c, p)
        b, hb = side(rep, key)
        diff = relative_diff(a, b)
        half = diff_half(a, relative(a, ha), b, relative(b, hb))
        ok = verdict(diff, half) if key in CHECKED else ""
        adj = f"{a:>11.5g} ±{relative(a, ha):>6.2%}" if c is not None else f"{'':>19}"
        print(
            f"{name:32} {key:16} {raw} {adj} {b:>11.5g} ±{relative(b, hb):>6.2%} "
            f"{diff:>+8.2%} ±{half:>6.2%} {ok:>7}"
        )


def patched(module: str, name: str, value: object) -> Callable[[], None]:
    """Replace ``module.name`` for this benchmark's comparison run; returns the undo."""
    mod = sys.modules[module]
    real = getattr(mod, name)
    setattr(mod, name, value)
    return lambda: setattr(mod, name, real)


def timed(s: Scenario, plan: Plan | None = None) -> tuple[RunResult, float]:
    t = time.perf_counter()
    if plan is None:
        return run(s, decide_too=False), time.perf_counter() - t
    undo = patched("planner.prepare", "build_plan", lambda *_a, **_k: plan)  # run() plans there
    try:
        return run(s, decide_too=False), time.perf_counter() - t
    finally:
        undo()


def sampled_run(s: Scenario) -> tuple[RunResult, float]:
    """The plan as before the failure strata: rare failures left to chance within the day."""
    undo = patched("planner.plan", "rare_failures", lambda *_a: None)
    try:
        plan = build_plan(s, check=False)
    finally:
        undo()
    return timed(s, plan)


def month_against_days(name: str, s: Scenario, sampled: bool) -> None:
    v_full = apply_overrides(s, {**WIDE, "simulation.horizon": "full_month"})
    v_rep = apply_overrides(s, {**WIDE, "simulation.horizon": "representative_days"})
    full, t_full = timed(v_full)
    c = controls(v_full, full)
    rep, t_rep = timed(v_rep)
    compare(name, full, rep, c, down_probability(s))
    strata = any(not g.failures for g in rep.plan.segments)
    line = f"{'':32} wall: full month {t_full:.1f} s, representative days {t_rep:.1f} s"
    if strata and sampled:
        old, t_old = sampled_run(v_rep)
        print(f"{'':32} failures left to chance in the day instead of strata:")
        compare(f"{name} (no strata)", full, old, c, down_probability(s))
        line += f", failures left to chance {t_old:.1f} s"
    print(line, flush=True)


def whole_days(name: str, s: Scenario) -> None:
    """The plan as shipped (sampled hours) against whole days simulated in full, then the
    evidence that whole days are the month (module docstring)."""
    if s.simulation.hours_per_day_simulated is None:
        return
    whole = {
        **WIDE,
        "simulation.horizon": "representative_days",
        "simulation.hours_per_day_simulated": None,
        "simulation.sampled_hours_above_requests": None,
    }
    days = apply_overrides(s, whole)
    need = build_plan(days, check=False).expected_requests
    if need > FULL_MONTH_BUDGET:
        print(f"{name:32} whole days not run either: {need:,.0f} requests a replication")
        return
    day_run, t_day = timed(days)
    shipped, t_shipped = timed(apply_overrides(s, WIDE))
    print(f"{'':32} below: whole days in the month's column, the plan as shipped in the days'")
    compare(f"{name} (hours vs whole days)", day_run, shipped, None, 0.0)
    print(f"{'':32} wall: whole days {t_day:.1f} s, sampled hours {t_shipped:.1f} s")
    inside = [rep["requests.in_system_at_end"] for rep in day_run.replications]
    closed_h = 24 - (s.workload.close_hour - s.workload.open_hour)
    if s.workload.daily_profile == "office_hours" and closed_h > 0:
        print(
            f"{'':32} nights: {closed_h} h closed; requests still inside at the end of each "
            f"simulated day (midnight), per replication: {max(inside):.0f} at most "
            f"({'every day of the month starts empty' if max(inside) == 0 else 'NOT empty'})"
        )
        return
    consecutive(name, days, day_run)


def consecutive(name: str, days: Scenario, day_run: RunResult) -> None:
    """Whole single days against ``CONSECUTIVE_DAYS`` days back to back in one segment."""
    plan = build_plan(days, check=False)
    w = days.workload
    n = CONSECUTIVE_DAYS * BINS_PER_DAY
    rates = month_rates(w, calendar(w), base_rate(w, days.edge.sites))
    first = plan.segments[0]
    warm = first.rates[: round(first.warmup_s / first.bin_s)]
    seg = replace(
        first,
        label=f"days 1-{CONSECUTIVE_DAYS} back to back (x{DAYS_PER_MONTH / CONSECUTIVE_DAYS:g})",
        rates=np.concatenate([warm, rates[:n]]),
        weight=first.weight / CONSECUTIVE_DAYS,
        days=tuple(range(CONSECUTIVE_DAYS)),
    )
    if len(plan.segments) != 1:
        print(f"{'':32} {len(plan.segments)} day types: consecutive days not compared")
        return
    simulated = float(seg.rates.sum()) * seg.bin_s * plan.sites_simulated
    joined = replace(plan, segments=(seg,), expected_requests=simulated)
    back, t_back = timed(apply_overrides(days, {"simulation.processes": 1}), joined)
    print(f"{'':32} below: whole single days, then {CONSECUTIVE_DAYS} days run back to back")
    compare(f"{name} (day vs {CONSECUTIVE_DAYS} days)", day_run, back, None, 0.0)
    print(f"{'':32} wall: {CONSECUTIVE_DAYS} consecutive days {t_back:.1f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--presets", nargs="*", default=None, help="default: every preset")
    ap.add_argument(
        "--day-replications",
        type=int,
        default=6,
        help="replications of the whole-day checks of presets whose month is not run",
    )
    ap.add_argument(
        "--no-sampled", action="store_true", help="skip the run with failures left to chance"
    )
    args = ap.parse_args()
    patched("planner.summary", "HISTOGRAM_ABOVE", 10**15)  # exact percentiles (docstring)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}, {args.replications} replications per horizon, compiled engine"
    )
    print(
        f"{'preset':32} {'figure':16} {'full month':>19} {'month, controlled':>19} "
        f"{'rep. days':>19} {'diff':>8} {'±95 %':>7} {'2 %':>7}"
    )
    for name in args.presets or [n for n, _ in list_presets()]:
        base = {"simulation.replications": args.replications, "simulation.processes": 2}
        s = apply_overrides(load(name), base)
        plan = build_plan(s, check=False)
        if plan.horizon == "full_month":
            print(f"{name:32} full month already: {'; '.join(plan.notes)}")
            continue
        whole = apply_overrides(s, {**WIDE, "simulation.horizon": "full_month"})
        month = build_plan(whole, check=False)
        if month.expected_requests > FULL_MONTH_BUDGET:
            print(
                f"{name:32} full month not run: {month.expected_requests:,.0f} requests a "
                f"replication (budget {FULL_MONTH_BUDGET:,}); plan: {len(plan.segments)} "
                f"segment(s): {', '.join(g.label for g in plan.segments)}"
            )
            days = {"simulation.replications": args.day_replications}
            whole_days(name, apply_overrides(s, days))
            continue
        month_against_days(name, s, not args.no_sampled)


if __name__ == "__main__":
    main()
