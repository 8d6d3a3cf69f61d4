"""Preview plans: a fixed budget of simulated requests, stratified over the day's hours.

Like a film's trailer: every scene of the day appears, each cut to the same short length, so
the whole story is told in a fraction of the time. Each day type becomes one compressed day in
which every hour lasts ``slice_s`` simulated seconds at that hour's mean arrival rate, in hour
order, after a warm-up of the two hours before midnight; each simulated request then stands for
``3600 / slice_s`` real ones (times the day type's days), so the month's totals stay right.
A preview answers in about the same time at any volume; the full run follows it. Time in
seconds.
"""

from __future__ import annotations

import math

import numpy as np

from planner.failure_strata import stratify
from planner.month import DayPart, calendar, day_rates
from planner.plan import (
    Plan,
    Segment,
    base_rate,
    build_plan,
    day_types,
    pool_scale_for,
)
from planner.preview_hold import hold_of
from planner.preview_parts import WARM_HOURS, day_part, preview_days
from planner.scenario import Scenario
from planner.shortcuts import identical_sites, rare_failures, sites_to_simulate

PREVIEW_REQUESTS = 20_000
"""Simulated requests per replication of a preview (warm-up included), for each run."""
PREVIEW_REPLICATIONS = 2
"""Replications of a preview's main run: two give an interval (a wide one) at twice the budget.
Its counterparts (edge-only, cloud-only, local-first) run ``COUNTERPART_REPLICATIONS`` each."""
COUNTERPART_REPLICATIONS = 1
"""Replications of each counterpart of a preview: the decision reads their point figures (their
sizing probes run one replication too), and the full run that follows gives their intervals."""
MIN_SLICE_S = 30.0
"""Shortest simulated hour: requests take seconds and the pool must follow the day's profile;
at very high volume a preview may simulate more than its budget rather than shorter hours."""
MIN_FAST_SLICE_S = 0.5
"""Shortest simulated hour where nothing needs seconds to play out: vision requests (tens of
milliseconds) and no autoscaler to follow the day (a fixed pool, or none). The kiosk's and the
factory's counterparts (300 and 40 sites sharing one pool, 9,000 and 1,200 frames a second)
simulated 3.8M-7M requests at 30 s an hour instead of the preview's 20k."""


def min_slice_s(s: Scenario) -> float:
    """The shortest simulated hour of this scenario's preview."""
    scales = s.policy.routing.kind != "edge_only" and s.cloud.autoscaler.kind != "fixed"
    return MIN_SLICE_S if s.workload.is_llm or scales else MIN_FAST_SLICE_S


def preview_sites(s: Scenario, k: int, per_site_s: float, budget: float) -> int:
    """Sites a preview simulates: ``k`` (the full plan's), or fewer where its hours would reach
    the floor and the sites share nothing (edge-only, identical sites: each site is the same
    queue alone, so a sample of them changes only the noise, not what is measured). The
    article's edge-only counterpart at 100M a month simulated 91k requests a replication at the
    30 s floor, 4.5 times the budget; a sample of its sites keeps it at the budget.
    ``per_site_s``: requests per simulated second of hour slices of one site."""
    floor_s = min_slice_s(s)
    fits = budget / max(per_site_s * floor_s, 1e-12)
    if s.policy.routing.kind != "edge_only" or not identical_sites(s) or fits >= k:
        return k
    return max(1, min(k, math.ceil(fits)))


MAX_BUDGETS = 5.0
"""A preview simulates at most this many budgets a replication: beyond that volume (the article
above ~110M requests a month) its hours go below the floor rather than its time above ~0.5 s."""


def hourly_rates(s: Scenario, part: DayPart, base: float) -> np.ndarray:
    """Per-site arrivals/s for each hour of one day type (the mean of its 5-minute bins)."""
    day = day_rates(s.workload, part, base)
    out: np.ndarray = day.reshape(24, -1).mean(axis=1)
    return out


def preview_plan(s: Scenario, budget: int = PREVIEW_REQUESTS) -> Plan:
    """The preview's plan (never refused for volume: its size is the budget)."""
    full = build_plan(s, check=False)
    if full.expected_requests <= budget:
        note = "preview: the full plan fits the preview's budget, so this preview is exact"
        return Plan(**{**full.__dict__, "notes": (*full.notes, note)})
    notes: list[str] = []
    k = sites_to_simulate(s, notes)
    w = s.workload
    base = base_rate(w, s.edge.sites)
    types = day_types(w, calendar(w))
    hours = [hourly_rates(s, members[0], base) for members in types]
    per_site_s = sum(float(h.sum() + h[-WARM_HOURS:].sum()) for h in hours)
    full_k, strata = k, 1
    tried: list[tuple[int, float, list[Segment], list[str]]] = []
    for _ in range(4):  # again with the budget shared by the failure strata, if any
        k = preview_sites(s, full_k, per_site_s, budget / strata)
        per_strata = budget / max(per_site_s * k * strata, 1e-12)
        slice_s = float(np.clip(per_strata, min_slice_s(s), 3600.0))
        days = [
            compressed_day(s, i, members, h, slice_s)
            for i, (members, h) in enumerate(zip(types, hours, strict=True))
        ]
        trial: list[str] = []
        segs = stratify(s, days, failing_devices(s, k), trial) if rare_failures(s, k) else days
        tried.append((k, slice_s, segs, trial))
        if len(segs) == strata * len(days):
            break
        strata = len(segs) // len(days)
    # each try is a whole plan; where the strata and the sample kept changing each other (fewer
    # sites, rarer failures, fewer strata, more sites...), the largest within the budget
    k, slice_s, segs, trial = closest(tried, per_site_s, budget)
    most = MAX_BUDGETS * budget
    if sum(float(g.rates.sum()) for g in segs) * slice_s * k > most:
        # the floor would take more than MAX_BUDGETS budgets: shorter hours, said so
        floor_s = slice_s
        slice_s *= most / (sum(float(g.rates.sum()) for g in segs) * slice_s * k)
        days = [
            compressed_day(s, i, members, h, slice_s)
            for i, (members, h) in enumerate(zip(types, hours, strict=True))
        ]
        trial = []
        segs = stratify(s, days, failing_devices(s, k), trial) if rare_failures(s, k) else days
        notes.append(
            f"preview: hours shortened below the {floor_s:g} s floor to {slice_s:.3g} s to stay "
            f"within {MAX_BUDGETS:g} budgets; what needs time to play out (the autoscaler "
            "following the day, so GPU-hours; backlogs) is less accurate than usual"
        )
    strata = max(len(segs) // len(types), 1)
    days, long_words = preview_days(s, full, types, hours, slice_s, k * strata, budget)
    trial = []
    segs = stratify(s, days, failing_devices(s, k), trial) if rare_failures(s, k) else days
    notes.extend(long_words)
    if k < full_k:
        notes.append(
            f"preview: simulated {k} of {s.edge.sites} identical sites (edge-only: they share "
            f"nothing); figures scaled x{s.edge.sites / k:g}"
        )
    notes.extend(trial)
    expected = sum(float(g.rates.sum()) * g.bin_s * k for g in segs)
    longer = any(g.time_scale < 3600 / slice_s * 0.99 for g in segs)
    notes.extend(preview_notes(s, slice_s, expected, longer))
    return Plan(
        tuple(segs),
        "preview",
        k,
        s.edge.sites / k,
        pool_scale_for(s, k),
        1.0,
        expected,
        tuple(notes),
    )


def closest(
    tried: list[tuple[int, float, list[Segment], list[str]]], per_site_s: float, budget: float
) -> tuple[int, float, list[Segment], list[str]]:
    """The last try if the loop settled, else the largest try within 5 % of the budget (the
    smallest where none is)."""

    def size(t: tuple[int, float, list[Segment], list[str]]) -> float:
        k, slice_s, segs, _ = t
        return sum(float(g.rates.sum()) for g in segs) * slice_s * k

    if len(tried) == 1 or size(tried[-1]) <= 1.05 * budget:
        return tried[-1]
    within = [t for t in tried if size(t) <= 1.05 * budget]
    return max(within, key=size) if within else min(tried, key=size)


def failing_devices(s: Scenario, k: int) -> int:
    """Devices in the simulated sites (as the full plan counts them for its failure strata)."""
    return round(s.edge.device_count * k / s.edge.sites)


def compressed_day(
    s: Scenario, index: int, members: list[DayPart], hours: np.ndarray, slice_s: float
) -> Segment:
    """One day type as 24 slices of ``slice_s`` after a warm-up of the last hours (the plain
    day the budget is sized on; ``preview_days`` makes the final parts)."""
    return day_part(s, index, members, hours, (0, 24), slice_s, WARM_HOURS * slice_s)


def preview_notes(s: Scenario, slice_s: float, expected: float, parts: bool) -> list[str]:
    """What a preview simulated (``parts``: some hours are lengthened, in a note of their own)."""
    but = " (but the hours named above)" if parts else ""
    notes = [
        f"preview: each hour of each day type{but} simulated for {slice_s:,.3g} s at its mean rate "
        f"(x{3600 / slice_s:,.3g}), about {expected:,.0f} requests a replication; the full run "
        "measures hour-to-hour transitions, cold starts and bursts at their real length"
    ]
    hold = hold_of(s)
    if hold is not None and hold.hold_s > 0:
        notes.append(
            f"preview: GPU-hours: the pool keeps replicas and nodes {hold.hold_s:,.0f} s after "
            "they were last needed (scale-down window, node keep-alive) in a compressed hour as "
            "in a real one; the excess this adds at each fall in traffic, as a fluid model of the "
            "pool predicts, is taken off (approximate: the full run measures it)"
        )
    if s.cloud.autoscaler.kind == "schedule":
        notes.append("preview: the scaler's schedule runs on the compressed clock (approximate)")
    if s.policy.routing.kind == "local_first" and s.policy.routing.monthly_budget_usd is not None:
        notes.append("preview: the monthly budget's state across days is not simulated")
    return notes
