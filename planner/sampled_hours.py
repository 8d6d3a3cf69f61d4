"""Sampled hours: a representative day too big to simulate whole, with every hour cut short.

Like a time-lapse film shot at a fixed frame interval: every hour of the day is still there, in
order, at its real arrival rate, but each lasts L simulated seconds instead of 3600, and each
simulated request stands for 3600 / L real ones, so the month's requests, GPU-hours and cost stay
right. Unlike a preview's compressed day (``planner.preview``, 30 s hours for a quick answer),
L never goes below a floor set by the scenario's own time constants (the autoscaler's windows,
cold start, node keep-alive, the router's timeouts): after each hour's step in traffic the pool
scales, cold-starts and releases nodes at their real speed, and those transients take at most
a quarter of each simulated hour. Where the floor, not the budget, sets L, the run
simulates more than the budget rather than distort; where it would need whole hours, the days
are simulated in full. Failure strata (``planner.failure_strata``) stay as they are: each
stratum's day is sampled the same way. Time in seconds; rates per second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from planner.edge_backlog import edge_backlog_s
from planner.month import BIN_S, BINS_PER_DAY
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.plan import Plan, Segment

SCALER_MULTIPLE = 4.0
"""A simulated hour lasts at least this many times the pool's slowest time constant (autoscaler
windows, cold start, node keep-alive), so the transient after each hour's step in traffic is at
most a quarter of the hour it is weighted as (benchmarks/sampled_hours.py: with 4, p95, SLO
attainment, fallback rate and GPU-hours agree with the full day within 2 % or the intervals)."""
REQUEST_MULTIPLE = 2.0
"""...and at least this many times a request's own timeouts (cloud timeout, local wait
threshold): a request cut by the hour's end sees the next hour, a boundary effect no larger than
its timeout."""
MIN_SLICE_S = 60.0
"""Shortest simulated hour whatever the time constants: many times a typical request."""
ROUND_S = 10.0
"""L is rounded up to whole 10 s, so the notes read plainly (whole minutes added up to 45 % to a
run near the budget: the factory's counterparts' 133 s hours ran as 180 s)."""
STEADY_MIN_SLICE_S = 10.0
"""Shortest simulated hour of a steady flat window (``steady_flat``): every hour is the same
hour, so the hour only has to hold the steady state of requests lasting tens of milliseconds
(10 s: hundreds of times a frame's latency; 90,000 frames of the kiosk's 300 stores)."""
STEADY_LOAD = 0.95
"""Largest offered load, as a share of a fixed pool's capacity at full batches, at which its
queue is taken to settle within a steady hour: closer to saturation the queue's relaxation time
(~ service / (1 - load)^2) nears the hour, and the timeouts' floor applies again."""


@dataclass(frozen=True)
class SliceChoice:
    """The length of a simulated hour and why."""

    slice_s: float
    """L: simulated seconds per real hour (3600: no sampling)."""
    floor_s: float
    budget_slice_s: float
    """The L the request budget alone would give."""
    slowest: tuple[str, float, float]
    """(name, seconds, multiple) of the time constant that sets the floor, or ('', 0, 0)."""
    steady: bool = False
    """A steady flat window (``steady_flat``): the floor from the timeouts does not apply."""

    @property
    def scale(self) -> float:
        """Real seconds one simulated second stands for (each request's weight factor)."""
        return 3600.0 / self.slice_s


EDGE_BACKLOG = "edge device's full queue served"


def steady_flat(s: Scenario, peak_per_s: float | None) -> bool:
    """Whether every simulated hour is one steady hour: a window flat over its open hours
    (``simulation.hours_per_day_simulated``: no bursts, one rate a day type), vision requests
    (tens of milliseconds), nothing that follows the clock (edge-only, or a fixed pool) and a
    fixed pool whose capacity at full batches carries all the traffic ``peak_per_s`` (simulated
    arrivals/s at the busiest bin) at most at STEADY_LOAD. Then an hour's end is no boundary:
    the next hour is the same hour, so a request cut by it sees what it would have seen, and
    the floor from the request timeouts and MIN_SLICE_S does not apply (L still holds twice an
    edge device's full queue)."""
    if s.simulation.hours_per_day_simulated is None or s.workload.is_llm or peak_per_s is None:
        return False
    if s.policy.routing.kind == "edge_only":
        return True
    if s.cloud.autoscaler.kind != "fixed":
        return False
    return peak_per_s <= STEADY_LOAD * fixed_pool_capacity_per_s(s)


def fixed_pool_capacity_per_s(s: Scenario) -> float:
    """Frames a second the fixed pool serves with every replica running full batches (the
    engine's batch time: linear from batch 1 to batch 8, the saturated rate beyond)."""
    from planner.catalog import load_catalog
    from planner.engine_inputs import pool_input

    p = pool_input(s, load_catalog().gpus[s.cloud.gpu], 1.0)
    per_item = max((p.batch8_s - p.batch1_s) / 7, 0.0)
    n = p.max_batch
    batch_s = p.batch1_s - per_item + per_item * n
    if n > 8:
        batch_s = max(batch_s, n * p.batch8_s / 8)
    return p.min_replicas * n / batch_s if batch_s > 0 else math.inf


def time_constants_s(s: Scenario) -> dict[str, tuple[float, float]]:
    """The scenario's time constants, in seconds, each with the multiple of it a simulated hour
    must last: the autoscaler's windows, the cold start and the node keep-alive of a pool that
    scales (a step in traffic sets them going), the router's timeouts and the time an edge
    device takes to serve a full queue (an overloaded device's wait settles over it). Link
    outages and device failures are not among them: they start at the same rate per simulated
    second as per real second, so their share of time and their count per request are right
    whatever L."""
    out = {name: (value, SCALER_MULTIPLE) for name, value in scaler_constants_s(s).items()}
    r = s.policy.routing
    if r.kind != "edge_only":
        out["cloud timeout"] = (s.network.cloud_timeout_s, REQUEST_MULTIPLE)
    if r.kind == "local_first":
        out["local wait threshold"] = (r.wait_threshold_s, REQUEST_MULTIPLE)
    backlog_s = edge_backlog_s(s)
    if backlog_s > 0:
        out[EDGE_BACKLOG] = (backlog_s, REQUEST_MULTIPLE)
    return out


def scaler_constants_s(s: Scenario) -> dict[str, float]:
    """Time constants of a GPU pool that scales (a fixed pool, or none, has none)."""
    if s.policy.routing.kind == "edge_only":
        return {}
    c, a = s.cloud, s.cloud.autoscaler
    out: dict[str, float] = {}
    if a.kind == "kpa":
        out["KPA stable window"] = a.stable_window_s
        out["KPA scale-down delay + scale-to-zero grace"] = (
            a.scale_down_delay_s + a.scale_to_zero_grace_s
        )
    elif a.kind == "hpa":
        out["HPA scale-down stabilisation"] = a.scale_down_stabilization_s + a.sync_period_s
        out["HPA scale-up stabilisation"] = a.scale_up_stabilization_s + a.sync_period_s
    else:
        return out
    st = c.cold_start
    stages = (st.provisioning, st.image_pull, st.weight_load, st.warmup)
    out["cold start (p95 of its stages)"] = sum(stage.p95_s for stage in stages)
    if c.pricing != "serverless":
        out["node keep-alive"] = c.node_keep_alive_s
    return out


def choose_slice(
    s: Scenario, full_requests: float, budget: float, steady: bool = False
) -> SliceChoice:
    """L from the budget (simulated requests a replication), never under the floor (of a
    steady flat window, ``steady``: STEADY_MIN_SLICE_S and an edge device's full queue)."""
    consts = time_constants_s(s)
    if steady:
        consts = {k: v for k, v in consts.items() if k == EDGE_BACKLOG}
    terms = [(name, v, m) for name, (v, m) in consts.items()]
    slowest = max(terms, key=lambda t: t[1] * t[2]) if terms else ("", 0.0, 0.0)
    floor_s = max(STEADY_MIN_SLICE_S if steady else MIN_SLICE_S, slowest[1] * slowest[2])
    budget_slice_s = 3600.0 * budget / max(full_requests, 1.0)
    slice_s = math.ceil(max(floor_s, budget_slice_s) / ROUND_S) * ROUND_S
    return SliceChoice(min(slice_s, 3600.0), floor_s, budget_slice_s, slowest, steady)


def peak_per_s(s: Scenario, plan: Plan) -> float:
    """Real arrivals a second across all sites at the plan's busiest bin."""
    return max(float(g.rates.max(initial=0.0)) for g in plan.segments) * s.edge.sites


def sample_hours(s: Scenario, plan: Plan, budget: float) -> Plan:
    """The plan with every day cut to sampled hours, or the plan unchanged but for a note why
    (the floor leaves nothing to save, or a schedule needs the real clock). ``budget``:
    simulated requests a replication."""
    if s.cloud.autoscaler.kind == "schedule" and s.policy.routing.kind != "edge_only":
        why = (
            "representative days simulated in full: the pool's schedule follows the clock of the "
            "day, which sampled hours would shift"
        )
        return replace(plan, notes=(*plan.notes, why))
    steady = steady_flat(s, peak_per_s(s, plan))
    # the budget still sizes L: a cap at 50k for the pool counterparts kept the kiosk's figures
    # but widened the factory's cloud-only p95 interval from 0.8 % to 11 % (3 replications)
    choice = choose_slice(s, plan.expected_requests, budget, steady)
    shortest_s = min(measured_s(g) for g in plan.segments)
    if choice.slice_s >= 3600.0 or shortest_s / choice.scale < choice.floor_s:
        return replace(plan, notes=(*plan.notes, unsampled_note(plan, choice, budget)))
    segs = [sampled_segment(g, choice) for g in plan.segments]
    expected = sum(float(g.rates.sum()) * g.bin_s for g in segs) * plan.sites_simulated
    return replace(
        plan,
        segments=tuple(segs),
        horizon="sampled_hours",
        expected_requests=expected,
        notes=(*plan.notes, sampled_note(choice, budget, expected)),
    )


def measured_s(g: Segment) -> float:
    return g.rates.size * g.bin_s - g.warmup_s


def sampled_segment(g: Segment, choice: SliceChoice) -> Segment:
    """Every 5-minute bin of the day (or open window) lasts BIN_S / scale simulated seconds at its
    real rate, after a warm-up of at least one floor's length of the hours before it."""
    scale = choice.scale
    warm_bins = round(g.warmup_s / g.bin_s)
    body = g.rates[warm_bins:]
    need = max(warm_bins, math.ceil(choice.floor_s * scale / BIN_S - 1e-9))
    warm = warm_tail(g.rates[:warm_bins], body, need)
    bin_s = BIN_S / scale
    warmup_s = warm.size * bin_s
    return replace(
        g,
        label=f"{g.label.rsplit(' (x', 1)[0]}, sampled hours (x{g.weight * scale:.3g})",
        rates=np.concatenate([warm, body]),
        warmup_s=warmup_s,
        weight=g.weight * scale,
        day_offset_s=g.day_offset_s + g.warmup_s - warmup_s,
        bin_s=bin_s,
        time_scale=scale,
    )


def warm_tail(warm: np.ndarray, body: np.ndarray, need: int) -> np.ndarray:
    """``need`` bins of what precedes the body: the day's last bins for a whole day (the day
    before ends the same way), the open window's flat rate otherwise."""
    if need <= warm.size:
        return warm[warm.size - need :]
    if body.size == BINS_PER_DAY:
        return body[body.size - min(need, BINS_PER_DAY) :]
    return np.full(need, body[0])


def sampled_note(choice: SliceChoice, budget: float, expected: float) -> str:
    floor = floor_words(choice)
    over = (
        f"; the floor, not the budget of {budget:,.0f} requests, set L, so this run simulates "
        "more than the budget rather than distort the dynamics"
        if choice.slice_s > choice.budget_slice_s + ROUND_S
        else ""
    )
    return (
        f"sampled hours: each hour of each simulated day lasts L = {choice.slice_s:,.0f} s at its "
        f"real arrival rate, in order after a warm-up, and each simulated request stands for "
        f"{choice.scale:,.3g} real ones (about {expected:,.0f} simulated requests a replication); "
        f"L is at least {floor}{over}"
    )


def floor_words(choice: SliceChoice) -> str:
    name, value, multiple = choice.slowest
    if choice.steady and value * multiple <= STEADY_MIN_SLICE_S:
        return (
            f"{STEADY_MIN_SLICE_S:,.0f} s: the window is flat and nothing follows the clock (no "
            "autoscaler; vision frames of tens of milliseconds; the pool, if any, under "
            f"{STEADY_LOAD:.0%} of its capacity), so every hour is the same steady hour and an "
            "hour's end is no boundary for a request's timeout"
        )
    if value * multiple <= MIN_SLICE_S:
        return (
            f"{MIN_SLICE_S:,.0f} s (the shortest hour sampled; no time constant of this "
            "scenario is longer)"
        )
    return (
        f"{choice.floor_s:,.0f} s, {multiple:g} x the slowest time constant ({name}, "
        f"{value:,.0f} s), so {FLOOR_REASONS[multiple == SCALER_MULTIPLE]} inside each hour"
    )


FLOOR_REASONS = {
    True: "autoscaling, cold starts and billing play out",
    False: "a request's own timeouts play out",
}


def unsampled_note(plan: Plan, choice: SliceChoice, budget: float) -> str:
    return (
        f"representative days simulated in full (about {plan.expected_requests:,.0f} requests a "
        f"replication, over the {budget:,.0f} sampled hours aim at): hours of at least "
        f"{floor_words(choice)} would save nothing"
    )


def queue_notes(plans: dict[str, Plan], figures: dict[str, dict[str, float]]) -> list[str]:
    """A warning for each run on sampled hours whose p95 latency outlasts half a simulated hour:
    its queues build over longer than L (an overloaded pool with no queue limit), so each hour
    cuts them short and the latency is understated (benchmarks/sampled_hours.py: the seasonal
    app at 1M a month, p95 3,891 s sampled vs 9,319 s over whole days)."""
    out = []
    for key, plan in plans.items():
        if plan.horizon != "sampled_hours" or key not in figures:
            continue
        slice_s = 3600.0 / plan.segments[0].time_scale
        p95_s = figures[key].get("latency_ms.p95", math.nan) / 1000
        if p95_s * REQUEST_MULTIPLE > slice_s:
            run = "this run" if key == "main" else f"the {key.replace('_', '-')} counterpart"
            out.append(
                f"sampled hours: the p95 latency of {run} ({p95_s:,.0f} s) is over half a "
                f"simulated hour (L = {slice_s:,.0f} s); queues that build for longer than L "
                "are cut short, so its latency may be understated. Set "
                "simulation.sampled_hours_above_requests to null to simulate whole days"
            )
    return out
