"""The month's simulated (weighted) request count equals the scenario's volume (Hypothesis).

The reference volume is integrated second by second over the 30 days, straight from the
workload's definition (no day types, no weights, no 5-minute bins), so it checks the plan's
grouping, weighting and burst handling from the outside.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from planner.month import hourly_shape, weekly_shape
from planner.plan import WorkLimitError, build_plan
from planner.presets import apply_overrides, load
from planner.scenario import Scenario, Workload
from tests.unit.test_calendar import weighted_volume

STEP_S = 10.0


def reference_volume(w: Workload) -> float:
    """Expected arrivals in the month, integrated on a 10-second grid from the definitions."""
    t = (np.arange(int(86_400 / STEP_S)) + 0.5) * STEP_S / 3600  # hour of day, mid-step
    hourly = hourly_shape(w)[t.astype(int)]
    weekly = weekly_shape(w)
    # baseline: requests_per_month spread over the month's weekly and hourly weights
    base = w.requests_per_month / (sum(weekly[d % 7] for d in range(30)) * hourly.sum())
    season_days = 30 * w.seasons[0].days_per_year / 365 if w.seasons else 0.0
    total = 0.0
    for d in range(30):
        rate = base * weekly[d % 7] * hourly
        if w.seasons:
            in_season = min(max(d + 1 - (30 - season_days), 0.0), 1.0)
            rate = rate * (1 + (w.seasons[0].multiplier - 1) * in_season)
        for b in w.bursts:
            days = {int((k + 0.5) * 30 / b.days_per_month) for k in range(b.days_per_month)}
            if d in days:
                on = (t >= b.start_hour) & (t < b.start_hour + b.duration_hours)
                rate = rate * np.where(on, b.multiplier, 1.0)
        total += float(rate.sum())
    return total


@st.composite
def calendars(draw: st.DrawFn) -> Scenario:
    bursts = [
        {
            "days_per_month": draw(st.integers(1, 30)),
            "start_hour": (start := draw(st.integers(0, 22 * 4)) / 4),
            "duration_hours": draw(st.integers(1, int((24 - start) * 4))) / 4,
            "multiplier": draw(st.floats(1, 50)),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    seasons = [
        {"days_per_year": draw(st.integers(1, 365)), "multiplier": draw(st.floats(1, 30))}
        for _ in range(draw(st.integers(0, 1)))
    ]
    updates = {
        "workload.requests_per_month": draw(st.floats(1e5, 1e7)),
        "workload.daily_profile": draw(st.sampled_from(["flat", "evening_peak", "office_hours"])),
        "workload.weekly_profile": draw(st.sampled_from(["flat", "weekday_heavy"])),
        "workload.bursts": bursts,
        "workload.seasons": seasons,
        "simulation.horizon": draw(st.sampled_from(["representative_days", "full_month"])),
        "simulation.max_simulated_requests": 10**9,
        "simulation.replications": 1,
    }
    return apply_overrides(load("seasonal_burst_app"), updates)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars())
def test_weighted_month_equals_the_scenarios_volume(s: Scenario) -> None:
    try:
        plan = build_plan(s)
    except WorkLimitError:
        reject()  # a pathological pile-up of bursts over the work limit: nothing to check
    days = 1 if plan.horizon == "full_month" else 30
    # a sampled hour's weight carries its time scale (3600 / L): days are weight / scale
    assert abs(sum(g.weight / g.time_scale for g in plan.segments) - days) < 1e-9
    want = reference_volume(s.workload)
    got = weighted_volume(plan, s.edge.sites)
    assert abs(got - want) <= 0.01 * want


def test_simulated_arrivals_weighted_match_the_volume() -> None:
    """The same through the traffic generator: drawn arrivals, weighted, within 1 %."""
    from planner.engine_inputs import segment_inputs
    from simulations.engine import spawn_streams
    from simulations.traffic import generate

    s = apply_overrides(
        load("seasonal_burst_app"),
        {
            "workload.requests_per_month": 3e6,
            "workload.bursts": [
                {"days_per_month": 30, "start_hour": 12, "duration_hours": 1, "multiplier": 5},
                {"days_per_month": 1, "start_hour": 18, "duration_hours": 2, "multiplier": 8},
            ],
            "workload.seasons": [{"days_per_year": 6, "multiplier": 20}],
            "simulation.horizon": "representative_days",
            "simulation.max_simulated_requests": 10**9,
        },
    )
    plan = build_plan(s)
    total = 0.0
    for seg, inp in zip(plan.segments, segment_inputs(s, plan, 0), strict=True):
        req = generate(inp.traffic, spawn_streams(inp)[:8])
        total += float((req.arrival_s >= seg.warmup_s).sum()) * seg.weight
    want = reference_volume(s.workload)
    assert abs(total - want) <= 0.01 * want
