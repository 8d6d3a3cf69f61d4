"""Strict values: finite numbers, real booleans, pools that can serve, known checklist ids,
bounded names, very low volumes, and the work limit by memory."""

from __future__ import annotations

import math
from typing import Any

import pytest

from planner import plan
from planner.cli import main
from planner.errors import ScenarioError
from planner.plan import WorkLimitError, build_plan, estimate_bytes
from planner.presets import apply_overrides, load
from planner.run import run
from planner.theory import check_args


def refused(updates: dict[str, Any], field: str) -> str:
    with pytest.raises(ScenarioError) as err:
        apply_overrides(load(), updates)
    text = str(err.value)
    assert field in text and len(text.splitlines()) == 1, text
    return text


@pytest.mark.parametrize(
    ("updates", "field"),
    [
        ({"workload.daily_profile": [math.inf] + [1.0] * 23}, "workload.daily_profile"),
        ({"workload.daily_profile": [1e308] * 24}, "workload.daily_profile"),
        ({"workload.daily_profile": [math.nan] + [1.0] * 23}, "workload.daily_profile"),
        ({"workload.daily_profile": [True] + [1.0] * 23}, "workload.daily_profile"),
        ({"workload.daily_profile": [1e-320] + [0.0] * 23}, "workload.daily_profile"),
        ({"workload.weekly_profile": [1, 1, 1, 1, 1, 1, math.inf]}, "workload.weekly_profile"),
        ({"costs.egress_tiers": [[math.nan, 0.09], [None, 0.05]]}, "costs.egress_tiers.0.0"),
        ({"costs.egress_tiers": [[1e308, 0.09], [None, 0.05]]}, "costs.egress_tiers"),
        ({"costs.egress_tiers": [[100, math.inf], [None, 0.05]]}, "costs.egress_tiers.0.1"),
        ({"workload.requests_per_month": math.nan}, "workload.requests_per_month"),
        ({"cloud.gpu_hourly_usd": math.inf}, "cloud.gpu_hourly_usd"),
        ({"edge.device_count": True}, "edge.device_count = True"),
        ({"workload.requests_per_month": False}, "workload.requests_per_month"),
        ({"slo.hard_deadline": "yes"}, "slo.hard_deadline"),
        ({"slo.hard_deadline": 1}, "slo.hard_deadline"),
        ({"name": True}, "name"),
        ({"compliance.edge": {"made_up": "done"}}, "compliance.edge"),
        ({"compliance.cloud": {"encryption": "done", "x" * 500: "gap"}}, "compliance.cloud"),
        ({"preset": "x" * 61}, "preset"),
        ({"preset": "../../etc/passwd"}, "preset"),
    ],
)
def test_nonsense_is_refused_naming_the_field(updates: dict[str, Any], field: str) -> None:
    refused(updates, field)


def test_known_checklist_ids_and_real_booleans_pass() -> None:
    s = apply_overrides(
        load(), {"compliance.edge": {"encryption": "done"}, "slo.hard_deadline": True}
    )
    assert s.compliance.edge == {"encryption": "done"} and s.slo.hard_deadline is True


@pytest.mark.parametrize("routing", ["cloud_only", "local_first"])
def test_a_fixed_pool_of_zero_cannot_take_cloud_traffic(routing: str) -> None:
    text = refused(
        {
            "policy.routing.kind": routing,
            "cloud.autoscaler.kind": "fixed",
            "cloud.min_replicas": 0,
        },
        "cloud.min_replicas",
    )
    assert routing in text


def test_pools_that_can_run_a_replica_are_accepted() -> None:
    base = {"cloud.min_replicas": 0, "policy.routing.kind": "cloud_only"}
    edge_only = {"cloud.autoscaler.kind": "fixed", "cloud.min_replicas": 0}
    apply_overrides(load(), {**edge_only, "policy.routing.kind": "edge_only"})
    windows = [{"start_hour": 8, "end_hour": 18, "replicas": 2}]
    apply_overrides(load(), {**base, "cloud.autoscaler": {"kind": "schedule", "windows": windows}})
    with pytest.raises(ScenarioError, match="cloud.min_replicas"):
        apply_overrides(load(), {**base, "cloud.autoscaler.kind": "schedule"})


@pytest.mark.parametrize("seed", range(1, 11))
def test_a_request_a_month_runs_for_every_seed(seed: int) -> None:
    s = apply_overrides(
        load(),
        {
            "workload.requests_per_month": 1,
            "simulation.seed": seed,
            "simulation.replications": 1,
            "simulation.processes": 1,
        },
    )
    r = run(s)
    assert r.figures["requests.arrived"] <= 5
    assert r.extras["decision"]["architecture"]


def test_memory_limit_refuses_whatever_the_request_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    s = apply_overrides(load(), {"simulation.max_simulated_requests": 1_000_000_000})
    need = estimate_bytes(build_plan(s), s)
    assert need > 100_000_000  # default preset: 3 processes of 150 MB and a segment each
    monkeypatch.setattr(plan, "available_memory_bytes", lambda: need / 2)
    with pytest.raises(WorkLimitError, match="GB of memory") as err:
        build_plan(s)
    assert "max_simulated_requests cannot raise this limit" in str(err.value)
    assert main(["simulate", "--set", "simulation.max_simulated_requests=1000000000"]) == 2


def test_memory_is_measured() -> None:
    free = plan.available_memory_bytes()
    assert free is not None and free > 0


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        ((0, 0.5, 100_000, 10), "--servers"),
        ((1, 1.0, 100_000, 10), "--utilization"),
        ((1, math.nan, 100_000, 10), "--utilization"),
        ((1, 0.5, 0, 10), "--requests"),
        ((1, 0.5, 100_000, 1), "--replications"),
    ],
)
def test_theory_arguments_are_checked_by_flag(args: tuple[Any, ...], flag: str) -> None:
    with pytest.raises(ValueError, match=flag):
        check_args(*args)
