"""Site sampling only among identical sites, and never below a shared GPU pool (issue 10)."""

from __future__ import annotations

import pytest

from planner.plan import build_plan
from planner.presets import apply_overrides, load
from planner.run import RunResult, run
from planner.scenario import Scenario


def ten_stores(**updates: object) -> Scenario:
    """Ten identical stores sending frames to one L4 (slowed 10x to keep the test small)."""
    base = {
        "policy.routing.kind": "cloud_only",
        "edge.sites": 10,
        "edge.device_count": 20,
        "cloud.min_replicas": 1,
        "cloud.max_replicas": 1,
        "cloud.batch1_ms": 30,
        # ~55 frames/s over the 10 stores: beyond batch-1 speed (33/s), within batch-8 (80/s)
        "workload.requests_per_month": 55 * 3600 * 14 * 30,
        "simulation.hours_per_day_simulated": 0.25,
        "simulation.warmup_hours": 0.25,
        "simulation.replications": 2,
        "simulation.processes": 1,
        "simulation.horizon": "representative_days",
        "simulation.sites_simulated": None,
    }
    return apply_overrides(load("retail_kiosk_vision"), {**base, **updates})


def inside(r: RunResult, other: RunResult, key: str) -> bool:
    lo, hi = other.ci95[key]
    return lo <= r.get(key) <= hi


@pytest.mark.slow
def test_sampled_and_unsampled_sites_load_the_shared_pool_alike() -> None:
    every = run(ten_stores(), decide_too=False)
    sampled = run(ten_stores(**{"simulation.sites_simulated": 1}), decide_too=False)
    assert every.get("cloud.mean_batch_size") > 1.2  # the pool batches under the full fleet
    for key in ("cloud.utilization", "cloud.mean_batch_size"):
        assert inside(sampled, every, key), key
        assert inside(every, sampled, key), key


def test_sites_sharing_a_pool_are_all_simulated_and_the_plan_says_why() -> None:
    plan = build_plan(ten_stores(**{"simulation.sites_simulated": 1}))
    assert plan.sites_simulated == 10 and plan.pool_scale == 1.0
    assert any("share the GPU pool" in n for n in plan.notes)


def test_identical_edge_only_sites_are_still_sampled() -> None:
    plan = build_plan(load("retail_kiosk_vision"))
    assert plan.sites_simulated == 1 and plan.site_scale == 300


def test_a_different_site_is_never_half_the_sample() -> None:
    # one GEO site among 20 edge-only farms: a sample of 2 would make it half the fleet
    s = apply_overrides(
        load("remote_farm_sensors_satellite"),
        {
            "policy.routing.kind": "edge_only",
            "network.site_links": {0: "geo_satellite"},
            "simulation.sites_simulated": 2,
        },
    )
    plan = build_plan(s)
    assert plan.sites_simulated == 20 and plan.site_scale == 1.0
    assert any("differ" in n for n in plan.notes)


def test_sites_with_uneven_device_counts_are_not_sampled() -> None:
    s = apply_overrides(
        load("retail_kiosk_vision"), {"edge.device_count": 601, "simulation.sites_simulated": 1}
    )
    plan = build_plan(s)  # steady 10-20 s hours make all 300 stores fit the work limit
    assert plan.sites_simulated == 300 and plan.site_scale == 1.0
    assert any("differ" in n for n in plan.notes)
