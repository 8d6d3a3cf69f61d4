"""Shared helpers for tests: small scenarios and direct engine runs."""

from __future__ import annotations

from typing import Any

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from planner.scenario import Scenario
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
