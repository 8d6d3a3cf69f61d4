"""The fast path (Kiefer-Wolfowitz) gives the SimPy model's output on the same random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides
from planner.theory import theory_scenario
from simulations import fastpath
from simulations.engine import run_segment, spawn_streams
from simulations.traffic import generate

FIELDS = ("path", "reason", "done_s", "ttft_s", "wait_s", "service_s", "left_site")


def both(s):  # type: ignore[no-untyped-def]
    plan = build_plan(s)
    (inp,) = segment_inputs(s, plan, 0)[:1]
    elig = eligible_by_class(s)
    return inp, run_segment(inp, elig, allow_fastpath=True), run_segment(inp, elig, False)


@pytest.mark.parametrize(
    ("service", "network"),
    [
        ("exponential", {"network.ideal": True}),
        # one replica: every balancer is one FCFS queue
        ("exponential", {"network.ideal": True, "cloud.load_balancer": "random"}),
        ("deterministic", {"network.ideal": True}),
        ("exponential", {"network.ideal": False, "network.outages_per_day": 0}),
    ],
)
def test_fastpath_matches_simpy(service: str, network: dict[str, object]) -> None:
    replicas = 1 if "cloud.load_balancer" in network else 3
    s = theory_scenario(replicas, 0.85, service, 20_000, 1, seed=4)  # type: ignore[arg-type]
    s = apply_overrides(s, network)
    inp, fast, slow = both(s)
    streams = spawn_streams(inp)
    req = generate(inp.traffic, streams[:8])
    assert fastpath.applies(inp, req, fast.end_s, streams)
    assert fast.events == 0 and slow.events > 0
    for name in FIELDS:
        np.testing.assert_allclose(
            getattr(fast, name).astype(float),
            getattr(slow, name).astype(float),
            rtol=1e-12,
            atol=1e-9,
            equal_nan=True,
            err_msg=name,
        )
    assert fast.in_system_at_end == slow.in_system_at_end
    assert fast.batches == slow.batches
    assert fast.gpu_busy_s == pytest.approx(slow.gpu_busy_s, rel=1e-9)
    for key in ("pool_queue", "pool_in_service", "replicas_ready"):
        np.testing.assert_array_equal(fast.series[key], slow.series[key], err_msg=key)


def test_fastpath_refuses_what_it_cannot_reproduce() -> None:
    s = theory_scenario(2, 0.5, "exponential", 5_000, 1, seed=1)
    for updates in (
        {"cloud.batching.max_batch_size": 4},
        {"cloud.autoscaler.kind": "hpa"},
        {"network.ideal": False, "network.outages_per_day": 500},
        {"edge.mtbf_hours": 1},
        {"cloud.load_balancer": "least_outstanding"},  # per-replica queues are not M/M/c
    ):
        t = apply_overrides(s, updates)
        (inp,) = segment_inputs(t, build_plan(t), 0)
        streams = spawn_streams(inp)
        req = generate(inp.traffic, streams[:8])
        assert not fastpath.applies(inp, req, 1e9, streams), updates
