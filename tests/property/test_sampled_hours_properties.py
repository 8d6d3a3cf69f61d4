"""Sampled hours keep the month's request count: weights times simulated time equal the volume.

For random calendars (bursts, seasons, profiles) and random budgets, the sampled plan's
weighted arrivals equal the scenario's volume integrated second by second from its definition
(within 1 %), every day type keeps every 5-minute bin of its day in order, and each segment's
days (weight over time scale) sum to the month's 30.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from planner.month import BIN_S
from planner.plan import WorkLimitError, build_plan
from planner.presets import apply_overrides
from planner.scenario import Scenario
from tests.property.test_calendar_properties import calendars, reference_volume
from tests.unit.test_calendar import weighted_volume


@st.composite
def sampled(draw: st.DrawFn) -> Scenario:
    s = draw(calendars())
    budget = draw(st.integers(1000, 2_000_000))
    kind = draw(st.sampled_from(["cloud_only", "local_first", "edge_only"]))
    return apply_overrides(
        s,
        {
            "simulation.horizon": "representative_days",
            "simulation.sampled_hours_above_requests": budget,
            "policy.routing.kind": kind,
        },
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sampled())
def test_sampled_hours_keep_the_months_volume(s: Scenario) -> None:
    try:
        plan = build_plan(s)
    except WorkLimitError:
        reject()  # a pile-up of bursts over the work limit: nothing to check
    assert abs(sum(g.weight / g.time_scale for g in plan.segments) - 30) < 1e-9
    want = reference_volume(s.workload)
    assert abs(weighted_volume(plan, s.edge.sites) - want) <= 0.01 * want
    if plan.horizon != "sampled_hours":
        return
    whole_days = apply_overrides(s, {"simulation.sampled_hours_above_requests": None})
    full = build_plan(whole_days, check=False)
    for cut, whole in zip(plan.segments, full.segments, strict=True):
        assert cut.time_scale > 1 and cut.bin_s == BIN_S / cut.time_scale
        body = cut.rates[round(cut.warmup_s / cut.bin_s) :]
        assert np.array_equal(body, whole.rates[round(whole.warmup_s / BIN_S) :])
        assert cut.warmup_s * cut.time_scale >= min(whole.warmup_s, 86_400) - 1e-6
