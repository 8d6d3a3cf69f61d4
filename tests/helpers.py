"""Shared helpers for tests: small scenarios and direct engine runs."""

from __future__ import annotations

from typing import Any

from planner.cost import estimate_monthly_cost
from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from planner.scenario import Scenario
from planner.summary import summarise
from simulations.engine import run_segment
from simulations.records import SegmentRecords


def small(name: str = "article_1m_chat", **updates: Any) -> Scenario:
    """A preset shrunk to simulate in well under a second."""
    base = {"simulation.replications": 1, "simulation.processes": 1}
    return apply_overrides(load(name), {**base, **updates})


def records(s: Scenario, replication: int = 0) -> list[SegmentRecords]:
    plan = build_plan(s)
    eligible = eligible_by_class(s)
    return [run_segment(inp, eligible) for inp in segment_inputs(s, plan, replication)]


L4_SECOND_USD = 0.805 / 3600  # one billing increment of an L4 at the on-demand price


def figures(s: Scenario) -> dict[str, float]:
    """One replication's figures, without the counterpart runs of ``planner.run``."""
    return summarise(s, build_plan(s), records(s))


def gpu_usd(s: Scenario) -> float:
    return estimate_monthly_cost(s, figures(s)).monthly_usd["cloud_gpu"]


def budgeted(budget: float, mode: str = "queue_locally", **kw: object) -> Scenario:
    updates = {
        "policy.routing.monthly_budget_usd": budget,
        "policy.routing.on_budget_exhausted": mode,
        "workload.requests_per_month": 12_000,
        **kw,
    }
    return small("local_first_hybrid", **updates)
