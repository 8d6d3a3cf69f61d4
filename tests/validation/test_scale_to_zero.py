"""KPA scale to zero against Knative's reconciler (knative/serving
pkg/reconciler/autoscaling/kpa/scaler.go, handleScaleToZero).

The last replica may go once the stable window saw no traffic (the PA turns inactive) and the
activator has been in the request path for scale-to-zero-grace-period. With the default
target-burst-capacity of 200 a pool whose capacity (ready x container-concurrency-target) is below
200 keeps the activator in the path all the time (SKS proxy mode), so the reconciler's "fast path"
removes the last replica right after the stable window: the grace is not added again. A pool with
room for the burst capacity serves without the activator; there the grace counts from when the
PA turned inactive. Each scale-to-zero is timed from the last request to leave the pool.
"""

from __future__ import annotations

import numpy as np

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from simulations.engine import Segment
from tests.helpers import small

TICK_S = 2.0
RETURN_S = 1.0  # a completion is recorded when the answer is back at the site: after the pool


def idle_before_zero(cc_target: float) -> list[float]:
    """Seconds from the pool's last completion to each scale to zero, cloud-only, sparse load."""
    s = small(
        **{
            "policy.routing.kind": "cloud_only",
            "workload.requests_per_month": 3_000,
            "simulation.horizon": "representative_days",
            "cloud.min_replicas": 0,
            "cloud.max_replicas": 1,
            "cloud.autoscaler": {"kind": "kpa", "container_concurrency_target": cc_target},
        }
    )
    inp = segment_inputs(s, build_plan(s), 0)[0]
    seg = Segment(inp, eligible_by_class(s))
    rec = seg.run()
    done = np.sort(rec.done_s[np.isfinite(rec.done_s)])
    gaps = []
    for t, before, after, _ in seg.pool.scaling_log:
        if before >= 1 and after == 0:
            last = done[done <= t]
            if last.size:
                gaps.append(t - float(last[-1]))
    assert len(gaps) >= 5, "the sparse load should scale to zero several times a day"
    return gaps


def test_activator_in_path_scales_to_zero_after_the_stable_window_alone() -> None:
    gaps = idle_before_zero(cc_target=16)  # 1 x 16 - 200 < 0: activator always in the path
    # the stable window (60 s) of zero in flight, then the next 2 s tick; no extra 30 s grace
    assert all(60.0 - RETURN_S <= g <= 60.0 + 2 * TICK_S for g in gaps), gaps


def test_pool_without_the_activator_waits_the_grace_after_turning_inactive() -> None:
    gaps = idle_before_zero(cc_target=500)  # 1 x 500 - 200 >= 0: served without the activator
    assert all(90.0 - RETURN_S <= g <= 90.0 + 2 * TICK_S for g in gaps), gaps
