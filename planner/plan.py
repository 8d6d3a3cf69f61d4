"""The simulation plan: which stretches of time to simulate and what each one stands for.

Like a pollster's sample design: rather than ask every voter, ask a representative few and
weight the answers. A 30-day month (day 0 a Monday) is cut into day types (weekday, weekend,
season day, burst day); each distinct type is simulated once at full fidelity after a warm-up and
weighted by how many such days the month holds. Small volumes, or state that carries across days
(a monthly budget), simulate the whole month. Identical sites that share no GPU pool may be
sampled, and a profile flat over its open hours may be sampled by hours (the pool's floor in the
closed hours is billed all the same); every such shortcut is stated in the plan.
Time in seconds; rates per second.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass

import numpy as np

from planner.engines import COSTS, EngineCost
from planner.errors import ScenarioError
from planner.failure_strata import stratify
from planner.month import BIN_S as BIN_S
from planner.month import BINS_PER_DAY, DayPart, calendar, day_label, day_rates, month_rates
from planner.month import base_rate as base_rate
from planner.month import hourly_shape as hourly_shape
from planner.month import weekly_shape as weekly_shape
from planner.sampled_hours import sample_hours
from planner.scenario import DAYS_PER_MONTH, Scenario, Workload
from planner.shortcuts import FULL_MONTH_MAX_REQUESTS as FULL_MONTH_MAX_REQUESTS
from planner.shortcuts import horizon_notes, rare_failures, sites_to_simulate, work_remedies


class WorkLimitError(ScenarioError):
    """The scenario would simulate more requests than the work limit allows."""


@dataclass(frozen=True)
class Segment:
    """One stretch to simulate."""

    label: str
    rates: np.ndarray
    """Arrivals per second per site, per 5-minute bin, warm-up first."""
    warmup_s: float
    weight: float
    """How many times this segment's measured part occurs in the month (days x sampling)."""
    day_offset_s: float
    index: int
    days: tuple[int, ...] = ()
    """Days of the month (0-based) this segment stands for, whole or in part."""
    name: str = ""
    """The day type in words ('weekday, in season')."""
    bin_s: float = BIN_S
    """Length of one entry of ``rates`` in simulated seconds."""
    time_scale: float = 1.0
    """Real seconds one simulated second stands for (a preview's compressed day: > 1)."""
    devices_down: int = 0
    """Devices down all day in this stratum (``planner.failure_strata``)."""
    failures: bool = True
    """False in a failure stratum: devices neither fail nor recover during the segment."""


@dataclass(frozen=True)
class Plan:
    segments: tuple[Segment, ...]
    horizon: str
    sites_simulated: int
    site_scale: float
    pool_scale: float
    """Factor from the simulated GPU pool to the real one (1 unless sites are sampled)."""
    hour_scale: float
    expected_requests: float
    """Expected simulated arrivals per replication (warm-up included)."""
    notes: tuple[str, ...]
    unsimulated_pool: tuple[tuple[int, float], ...] = ()
    """(replicas, hours a month) the real GPU pool runs in hours not simulated (its floor)."""


def build_plan(s: Scenario, cost: EngineCost | None = None, check: bool = True) -> Plan:
    """Segments to simulate for a scenario; WorkLimitError when over the work limit of the
    engine whose constants are ``cost`` (SimPy's when not given; ``check=False`` skips it)."""
    w, sim = s.workload, s.simulation
    notes: list[str] = []
    k = sites_to_simulate(s, notes)
    base = base_rate(w, s.edge.sites)
    days = calendar(w)
    month_expected = float(month_rates(w, days, base).sum()) * BIN_S * k
    budget = (
        s.policy.routing.kind == "local_first" and s.policy.routing.monthly_budget_usd is not None
    )
    horizon = sim.horizon
    if horizon == "auto":
        horizon = (
            "full_month"
            if budget or month_expected <= FULL_MONTH_MAX_REQUESTS
            else "representative_days"
        )
    if budget and horizon == "representative_days":
        notes.append("a monthly budget carries state across days; representative days ignore it")
    notes.extend(horizon_notes(s, horizon, budget, month_expected, k))
    unsimulated: tuple[tuple[int, float], ...] = ()
    if horizon == "full_month":
        segs, hour_scale = [_month_segment(w, days, base)], 1.0
    else:
        segs, hour_scale = _day_segments(s, days, base, notes)
        if rare_failures(s, k) is not None:
            segs = stratify(s, segs, round(s.edge.device_count * k / s.edge.sites), notes)
        unsimulated = unsimulated_pool(s, notes)
    expected = sum(float(g.rates.sum()) * BIN_S * k for g in segs)
    pool_scale = pool_scale_for(s, k)
    plan = Plan(
        tuple(segs),
        horizon,
        k,
        s.edge.sites / k,
        pool_scale,
        hour_scale,
        expected,
        tuple(notes),
        unsimulated,
    )
    plan = sized_for_volume(s, plan)
    if check:
        check_work(plan, s, cost)
    return plan


def sized_for_volume(s: Scenario, plan: Plan) -> Plan:
    """Representative days over ``simulation.sampled_hours_above_requests`` (simulated requests
    a replication) become sampled hours (``planner.sampled_hours``): sized to precision, not to
    the volume."""
    above = s.simulation.sampled_hours_above_requests
    if plan.horizon != "representative_days" or above is None or plan.expected_requests <= above:
        return plan
    return sample_hours(s, plan, above)


def scaled_bound(n: int, fraction: float, at_least: int) -> int:
    """A replica bound for a pool serving ``fraction`` of the sites (rounded up)."""
    return max(at_least, math.ceil(n * fraction - 1e-9))


def pool_scale_for(s: Scenario, k: int) -> float:
    """Sampled sites get a proportionally smaller pool; scale its GPU figures back up.

    A traffic-driven pool (KPA, HPA) scales with the traffic (sites / k); a fixed pool's real size
    is its min_replicas, so its simulated stand-in (rounded up to whole replicas) is scaled by
    the ratio of the two, not by the site ratio.
    """
    if k >= s.edge.sites:
        return 1.0
    if s.cloud.autoscaler.kind in ("fixed", "schedule"):
        sim = scaled_bound(s.cloud.min_replicas, k / s.edge.sites, 0)
        if sim:
            return s.cloud.min_replicas / sim
    return s.edge.sites / k


def _month_segment(w: Workload, days: list[DayPart], base: float) -> Segment:
    rates = month_rates(w, days, base)
    days_ = tuple(range(DAYS_PER_MONTH))
    return Segment("whole month (x1)", rates, 0.0, 1.0, 0.0, 0, days_, "the whole month")


def day_types(w: Workload, days: list[DayPart]) -> list[list[DayPart]]:
    """Day parts grouped by what shapes their traffic (weekday weight, season, bursts)."""
    types: dict[tuple[float, bool, tuple[int, ...]], list[DayPart]] = {}
    for p in days:
        types.setdefault((float(weekly_shape(w)[p.weekday]), p.season, p.bursts), []).append(p)
    return sorted(types.values(), key=lambda parts: (parts[0].day, parts[0].season))


def _day_segments(
    s: Scenario, days: list[DayPart], base: float, notes: list[str]
) -> tuple[list[Segment], float]:
    w, sim = s.workload, s.simulation
    window, hour_scale = open_window(s)
    if window is not None and sim.hours_per_day_simulated is not None:
        notes.append(
            f"simulated {sim.hours_per_day_simulated:g} of "
            f"{hour_scale * sim.hours_per_day_simulated:g} open hours a day (flat rate); "
            f"figures scaled x{hour_scale:g}"
        )
    warm_bins = round(sim.warmup_hours * 3600 / BIN_S)
    segs = []
    for i, members in enumerate(day_types(w, days)):
        day = day_rates(w, members[0], base)
        if window is not None:
            start, n = window
            body, offset = day[start : start + n], start * BIN_S
            warm = np.full(warm_bins, body[0])
        else:
            body, offset = day, 0.0
            warm = day[len(day) - warm_bins :] if warm_bins else day[:0]
        weight = float(sum(p.weight for p in members))
        first = members[0]
        name = day_label(w, {p.weekday for p in members}, first.season, first.bursts)
        segs.append(
            Segment(
                f"{name} (x{weight:.3g})",
                np.concatenate([warm, body]),
                warm_bins * BIN_S,
                weight,
                offset - warm_bins * BIN_S,
                i,
                tuple(sorted({p.day for p in members})),
                name,
            )
        )
    return segs, hour_scale


def day_table(plan: Plan) -> list[dict[str, object]]:
    """The plan's simulated days for people: what each stands for and how much it weighs (days
    of the 30-day month, a compressed preview day counted as the days it stands for; rounded so
    the shown days sum to exactly 30)."""
    days = [
        g.weight / g.time_scale if plan.horizon != "full_month" else float(DAYS_PER_MONTH)
        for g in plan.segments
    ]
    rows: list[dict[str, object]] = []
    for g, shown in zip(plan.segments, rounded_to_sum(days, 2), strict=True):
        measured_h = (g.rates.size * g.bin_s - g.warmup_s) / 3600
        rows.append(
            {
                "simulated day": g.name or g.label,
                "days a month": shown,
                "days of the month": day_ranges(g.days),
                "hours simulated": round(measured_h, 2),
                "warm-up hours": round(g.warmup_s / 3600, 2),
            }
        )
    return rows


def rounded_to_sum(values: list[float], decimals: int) -> list[float]:
    """Values rounded to ``decimals`` whose sum is their exact sum rounded (largest remainder),
    so a column of day weights adds up to the 30 days it claims."""
    unit = 10**decimals
    scaled = [v * unit for v in values]
    floors = [math.floor(x + 1e-9) for x in scaled]
    short = round(sum(scaled)) - sum(floors)
    order = sorted(range(len(values)), key=lambda i: floors[i] - scaled[i])
    for i in order[: max(short, 0)]:
        floors[i] += 1
    return [f / unit for f in floors]


def day_ranges(days: tuple[int, ...]) -> str:
    """0-based days as 1-based runs: (0, 1, 2, 4) -> '1-3, 5'."""
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and d == runs[-1][1] + 1:
            runs[-1][1] = d
        else:
            runs.append([d, d])
    return ", ".join(f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in runs)


def floor_replicas_by_minute(s: Scenario) -> np.ndarray:
    """Replicas the real pool holds with no traffic, each minute of the day (its floor)."""
    c = s.cloud
    if s.policy.routing.kind == "edge_only":
        return np.zeros(1440)  # an edge-only architecture runs no GPU pool
    floor = np.full(1440, float(c.min_replicas))
    a = c.autoscaler
    if a.kind == "schedule":
        minute = np.arange(1440) * 60.0
        for win in a.windows:
            # as the engine's ScheduleScaler: the lead moves the start only; the window ends at
            # its end
            start = win.start_hour * 3600 - a.prewarm_lead_s
            span = win.end_hour * 3600 - start
            inside = (minute - start) % 86_400 < span
            floor[inside] = np.maximum(floor[inside], win.replicas)
    return floor


def unsimulated_pool(s: Scenario, notes: list[str]) -> tuple[tuple[int, float], ...]:
    """(replicas, hours a month) of the pool in the closed hours ``hours_per_day_simulated``
    leaves out: no traffic arrives then, so the pool sits at its floor, fixed size or schedule."""
    if open_window(s)[0] is None:
        return ()
    closed = np.repeat(hourly_shape(s.workload) <= 0, 60)
    floor = floor_replicas_by_minute(s)[closed]
    out = tuple(
        (int(r), float((floor == r).sum()) / 60 * DAYS_PER_MONTH) for r in np.unique(floor) if r > 0
    )
    if out:
        hours = sum(r * h for r, h in out)
        notes.append(
            f"outside the open hours no traffic arrives; the GPU pool's floor there "
            f"({hours:,.0f} GPU-h a month) is billed without being simulated"
        )
    return out


def open_window(s: Scenario) -> tuple[tuple[int, int] | None, float]:
    """(first bin, bins) of the sampled open hours and the scale factor, or (None, 1)."""
    hours = s.simulation.hours_per_day_simulated
    if hours is None:
        return None, 1.0
    shape = hourly_shape(s.workload)
    open_h = np.flatnonzero(shape > 0)
    if s.workload.bursts or not np.allclose(shape[open_h], shape[open_h[0]]):
        raise WorkLimitError(
            "simulation.hours_per_day_simulated needs a daily profile flat over its open hours "
            "and no bursts; unset it or choose 'flat', 'industrial_24x7' or 'office_hours'"
        )
    if hours > open_h.size:
        raise WorkLimitError(
            f"simulation.hours_per_day_simulated ({hours:g}) exceeds the {open_h.size} open hours"
        )
    n = round(hours * 3600 / BIN_S)
    return (int(open_h[0]) * (BINS_PER_DAY // 24), n), open_h.size * 3600 / (n * BIN_S)


MEMORY_SHARE = 0.8
"""Share of the machine's available memory a run may plan to use."""


def available_memory_bytes() -> float | None:
    """Memory this process may still use: MemAvailable, capped by a cgroup v2 limit; None if
    unknown (then only the request limit applies)."""
    found: list[float] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(float(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            found.append(float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")))
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            cap = fh.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            used = float(fh.read().strip())
        if cap != "max":
            found.append(max(float(cap) - used, 0.0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def runs_per_replication(s: Scenario) -> int:
    """Engine runs a replication costs: the scenario plus the decision's counterparts."""
    kind = s.policy.routing.kind
    if kind in ("local_first", "split"):
        return 3
    return 2 if kind == "edge_only" or s.edge.device_count else 1


def estimate_bytes(plan: Plan, s: Scenario, cost: EngineCost | None = None) -> float:
    """Peak memory a run needs: each worker (and the parent, which runs small replications
    itself) holds one segment's requests at a time on top of its modules and kernels; the
    requests are tallied and dropped segment by segment (``planner.tally``)."""
    cost = cost or COSTS["simpy"]
    runs = s.simulation.replications * runs_per_replication(s)
    # at most one worker a core is forked (planner.replicate.usable_workers)
    held = min(s.simulation.processes, os.cpu_count() or 1, runs) + 1
    k = plan.sites_simulated
    largest = max((float(g.rates.sum()) * g.bin_s * k for g in plan.segments), default=0.0)
    return held * (cost.process_bytes + largest * cost.bytes_per_request)


def request_limit(s: Scenario, cost: EngineCost | None = None) -> int:
    """The work limit in simulated requests: the scenario's, else the engine's default."""
    given = s.simulation.max_simulated_requests
    return given if given is not None else (cost or COSTS["simpy"]).max_requests


def check_work(plan: Plan, s: Scenario, cost: EngineCost | None = None) -> None:
    """Refuse, with the estimate, a run over the request limit or over the machine's memory
    (``cost``: the engine's constants; SimPy's, the costlier, when not given)."""
    total = plan.expected_requests * s.simulation.replications
    limit = request_limit(s, cost)
    need = estimate_bytes(plan, s, cost)
    free = available_memory_bytes()
    if free is not None and need > MEMORY_SHARE * free:
        raise WorkLimitError(
            f"this scenario would simulate about {total:,.0f} requests "
            f"({s.simulation.replications} replications x {plan.expected_requests:,.0f}, "
            f"horizon {plan.horizon}) and need about {need / 1e9:,.1f} GB of memory; "
            f"this machine has {free / 1e9:,.1f} GB available. "
            f"{work_remedies(s)}; simulation.max_simulated_requests cannot raise this limit."
        )
    if total > limit:
        raise WorkLimitError(
            f"this scenario would simulate about {total:,.0f} requests "
            f"({s.simulation.replications} replications x {plan.expected_requests:,.0f}, "
            f"horizon {plan.horizon}); the work limit is {limit:,} "
            f"(simulation.max_simulated_requests). {work_remedies(s)}, or raise the limit."
        )


def estimate_seconds(expected_requests: float, rate_per_s: float = 60_000.0) -> float:
    """A rough wall-time prediction for one replication (measured engine rate, 2 cores)."""
    return math.ceil(expected_requests / rate_per_s * 10) / 10
