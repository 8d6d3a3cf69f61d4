"""Knative enters panic on the desired panic pod count before the rate limits clamp it.

knative/serving pkg/autoscaler/scaling/autoscaler.go Scale(): ``dppc := math.Ceil(observedPanic
Value / spec.TargetValue)`` and ``isOverPanicThreshold := dppc/readyPodsCount >= spec.
PanicThreshold``; only the pod counts it asks for are clamped to [maxScaleDown, maxScaleUp]. With
a max scale-up rate below the panic threshold (1.5 against 200 %), a surge must still panic (and
then never scale down while it lasts), though each tick may only add half the ready pods.
"""

from __future__ import annotations

import math

import numpy as np

from planner.engine_inputs import eligible_by_class, scaler_input, segment_inputs
from planner.plan import build_plan
from planner.scenario import KpaScaler as KpaSpec
from simulations import compiled
from simulations.autoscaler import KpaScaler, PoolMetrics
from simulations.engine import Segment
from tests.helpers import small


def test_a_surge_panics_even_when_the_scale_up_rate_is_below_the_threshold() -> None:
    spec = KpaSpec(max_scale_up_rate=1.5)
    kpa = KpaScaler(scaler_input(small(**{"cloud.autoscaler": spec.model_dump()})).kpa)
    target = 100 * 0.7
    ready = 4
    # 12 pods' worth in the panic window: dppc 12, 12 / 4 = 3 >= 2 (Knative panics)
    panic_avg = 12 * target
    d = kpa.decide(PoolMetrics(2.0, ready, 0, panic_avg, 4 * target, panic_avg), ready)
    assert kpa.in_panic
    assert d.desired == math.ceil(1.5 * ready)  # the count itself is still rate-limited
    assert d.reason.startswith("panic")


def test_both_engines_panic_alike_under_a_slow_scale_up_rate() -> None:
    profile = [0.0] * 10 + [1.0] * 2 + [0.0] * 12
    s = small(
        **{
            "policy.routing.kind": "cloud_only",
            "workload.daily_profile": profile,
            "workload.requests_per_month": 6_000_000,
            "cloud.min_replicas": 0,
            "cloud.max_replicas": 40,
            "cloud.autoscaler": KpaSpec(
                container_concurrency_target=2, max_scale_up_rate=1.5
            ).model_dump(),
            "edge.mtbf_hours": 1e7,
            "simulation.horizon": "representative_days",
        }
    )
    compiled.warm()
    plan, eligible = build_plan(s), eligible_by_class(s)
    inp = segment_inputs(s, plan, 0)[0]
    ref = Segment(inp, eligible).run()
    fast = compiled.run_segment(inp, eligible)
    assert ref.scaling_log == fast.scaling_log
    panics = [row for row in ref.scaling_log if row[3].startswith("panic")]
    # past the first pods the rate limit holds the ratio under 2, yet the surge keeps panicking
    assert any(before >= 4 for _, before, _, _ in panics)
    np.testing.assert_array_equal(ref.path, fast.path)
