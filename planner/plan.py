"""The simulation plan: which stretches of time to simulate and what each one stands for.

Like a pollster's sample design: rather than ask every voter, ask a representative few and
weight the answers. A 30-day month (day 0 a Monday) is cut into day types (weekday, weekend,
season day, burst day); each distinct type is simulated once at full fidelity after a warm-up and
weighted by how many such days the month holds. Small volumes, or state that carries across days
(a monthly budget), simulate the whole month. Identical sites may be sampled, and a profile flat
over its open hours may be sampled by hours; every such shortcut is stated in the plan.
Time in seconds; rates per second.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass

import numpy as np

from planner.errors import ScenarioError
from planner.scenario import DAYS_PER_MONTH, Scenario, Workload

BIN_S = 300.0
BINS_PER_DAY = int(86_400 / BIN_S)
FULL_MONTH_MAX_REQUESTS = 250_000
EVENING_PEAK = (
    0.3,
    0.2,
    0.15,
    0.15,
    0.2,
    0.3,
    0.5,
    0.8,
    1.0,
    1.0,
    1.0,
    1.0,
    1.1,
    1.0,
    1.0,
    1.0,
    1.1,
    1.4,
    1.8,
    2.2,
    2.4,
    2.0,
    1.4,
    0.8,
)
WEEKLY = {
    "flat": (1, 1, 1, 1, 1, 1, 1),
    "weekday_heavy": (1, 1, 1, 1, 1, 0.4, 0.4),
    "weekdays_only": (1, 1, 1, 1, 1, 0, 0),
}


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


def hourly_shape(w: Workload) -> np.ndarray:
    """24 hourly weights of the daily profile."""
    p = w.daily_profile
    if isinstance(p, list):
        return np.asarray(p, dtype=float)
    if p == "office_hours":
        shape = np.zeros(24)
        shape[w.open_hour : w.close_hour] = 1.0
        return shape
    if p == "evening_peak":
        return np.asarray(EVENING_PEAK)
    return np.ones(24)


def weekly_shape(w: Workload) -> np.ndarray:
    p = w.weekly_profile
    return np.asarray(p if isinstance(p, list) else WEEKLY[p], dtype=float)


def calendar(w: Workload) -> list[tuple[int, bool, bool]]:
    """Per day of the month: (weekday 0-6, in season, burst day)."""
    season_days = round(DAYS_PER_MONTH * w.seasons[0].days_per_year / 365) if w.seasons else 0
    burst_days: set[int] = set()
    for b in w.bursts:
        burst_days |= {
            int((k + 0.5) * DAYS_PER_MONTH / b.days_per_month) for k in range(b.days_per_month)
        }
    return [
        (d % 7, d >= DAYS_PER_MONTH - season_days, d in burst_days) for d in range(DAYS_PER_MONTH)
    ]


def day_rates(w: Workload, weekday: int, season: bool, burst: bool, base: float) -> np.ndarray:
    """Per-site arrivals/s in each 5-minute bin of one day."""
    bins_per_hour = BINS_PER_DAY // 24
    rates = np.repeat(hourly_shape(w), bins_per_hour) * base * weekly_shape(w)[weekday]
    if season and w.seasons:
        rates = rates * w.seasons[0].multiplier
    if burst:
        for b in w.bursts:
            rates = rates * burst_factor(b.start_hour, b.duration_hours, b.multiplier)
    out: np.ndarray = rates
    return out


def burst_factor(start_h: float, dur_h: float, mult: float) -> np.ndarray:
    """Per-bin multiplier: overlap-weighted, so a 7-minute burst inside a bin is not lost."""
    edges = np.arange(BINS_PER_DAY + 1) * BIN_S / 3600
    overlap = np.clip(
        np.minimum(edges[1:], start_h + dur_h) - np.maximum(edges[:-1], start_h), 0, None
    )
    factor: np.ndarray = 1 + (mult - 1) * overlap / (BIN_S / 3600)
    return factor


def base_rate(w: Workload, sites: int) -> float:
    """Per-site arrivals/s for an hourly weight of 1 on a weekday weight of 1."""
    days = calendar(w)
    day_sum = float(sum(weekly_shape(w)[wd] for wd, _, _ in days))
    return w.requests_per_month / (day_sum * float(hourly_shape(w).sum()) * 3600) / sites


def build_plan(s: Scenario) -> Plan:
    """Segments to simulate for a scenario; WorkLimitError when over the work limit."""
    w, sim = s.workload, s.simulation
    k = sim.sites_simulated or s.edge.sites
    base = base_rate(w, s.edge.sites)
    days = calendar(w)
    notes: list[str] = []
    month_expected = sum(day_rates(w, *d, base).sum() * BIN_S for d in days) * k
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
    if k < s.edge.sites:
        notes.append(
            f"simulated {k} of {s.edge.sites} identical sites; figures scaled x{s.edge.sites / k:g}"
        )
    if horizon == "full_month":
        segs, hour_scale = [_month_segment(w, days, base)], 1.0
    else:
        segs, hour_scale = _day_segments(s, days, base, notes)
    expected = sum(float(g.rates.sum()) * BIN_S * k for g in segs)
    pool_scale = pool_scale_for(s, k)
    plan = Plan(
        tuple(segs), horizon, k, s.edge.sites / k, pool_scale, hour_scale, expected, tuple(notes)
    )
    check_work(plan, s)
    return plan


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


def _month_segment(w: Workload, days: list[tuple[int, bool, bool]], base: float) -> Segment:
    rates = np.concatenate([day_rates(w, *d, base) for d in days])
    return Segment("month", rates, 0.0, 1.0, 0.0, 0)


def _day_segments(
    s: Scenario, days: list[tuple[int, bool, bool]], base: float, notes: list[str]
) -> tuple[list[Segment], float]:
    w, sim = s.workload, s.simulation
    types: dict[tuple[float, bool, bool], list[int]] = {}
    for d, (wd, season, burst) in enumerate(days):
        types.setdefault((float(weekly_shape(w)[wd]), season, burst), []).append(d)
    window, hour_scale = open_window(s)
    if window is not None and sim.hours_per_day_simulated is not None:
        notes.append(
            f"simulated {sim.hours_per_day_simulated:g} of "
            f"{hour_scale * sim.hours_per_day_simulated:g} open hours a day (flat rate); "
            f"figures scaled x{hour_scale:g}; the GPU pool is taken as off outside open hours"
        )
    warm_bins = round(sim.warmup_hours * 3600 / BIN_S)
    segs = []
    for i, (_key, members) in enumerate(sorted(types.items(), key=lambda kv: kv[1][0])):
        wd, season, burst = days[members[0]]
        day = day_rates(w, wd, season, burst, base)
        if window is not None:
            start, n = window
            body, offset = day[start : start + n], start * BIN_S
            warm = np.full(warm_bins, body[0])
        else:
            body, offset = day, 0.0
            warm = day[len(day) - warm_bins :] if warm_bins else day[:0]
        label = _label(wd, season, burst, len(members))
        segs.append(
            Segment(
                label,
                np.concatenate([warm, body]),
                warm_bins * BIN_S,
                float(len(members)),
                offset - warm_bins * BIN_S,
                i,
            )
        )
    return segs, hour_scale


def _label(weekday: int, season: bool, burst: bool, n: int) -> str:
    kind = "weekend" if weekday >= 5 else "weekday"
    extra = (" season" if season else "") + (" burst" if burst else "")
    return f"{kind}{extra} day (x{n})"


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


BYTES_PER_REQUEST = 1_000
"""Memory per simulated request, conservatively. Measured (peak RSS of one process, full month,
``run(decide_too=False)``): 330-530 B per request for article_1m_chat and seasonal_burst_app at
0.1-1.2 M requests; doubled for worker processes, pickled copies and the summary's frames."""
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


def estimate_bytes(plan: Plan, s: Scenario) -> float:
    """Memory a run needs: every replication's and counterpart's requests at BYTES_PER_REQUEST."""
    runs = s.simulation.replications + runs_per_replication(s) - 1
    return plan.expected_requests * runs * BYTES_PER_REQUEST


def check_work(plan: Plan, s: Scenario) -> None:
    """Refuse, with the estimate, a run over the request limit or over the machine's memory."""
    total = plan.expected_requests * s.simulation.replications
    limit = s.simulation.max_simulated_requests
    need = estimate_bytes(plan, s)
    free = available_memory_bytes()
    if free is not None and need > MEMORY_SHARE * free:
        raise WorkLimitError(
            f"this scenario would simulate about {total:,.0f} requests "
            f"({s.simulation.replications} replications x {plan.expected_requests:,.0f}, "
            f"horizon {plan.horizon}) and need about {need / 1e9:,.1f} GB of memory with the "
            f"decision's counterparts; this machine has {free / 1e9:,.1f} GB available. "
            "Set simulation.sites_simulated or simulation.hours_per_day_simulated, "
            "or lower simulation.replications (simulation.max_simulated_requests cannot "
            "raise this limit)."
        )
    if total > limit:
        raise WorkLimitError(
            f"this scenario would simulate about {total:,.0f} requests "
            f"({s.simulation.replications} replications x {plan.expected_requests:,.0f}, "
            f"horizon {plan.horizon}); simulation.max_simulated_requests is {limit:,}. "
            "Set simulation.sites_simulated or simulation.hours_per_day_simulated, "
            "lower simulation.replications, or raise the limit."
        )


def estimate_seconds(expected_requests: float, rate_per_s: float = 60_000.0) -> float:
    """A rough wall-time prediction for one replication (measured engine rate, 2 cores)."""
    return math.ceil(expected_requests / rate_per_s * 10) / 10
