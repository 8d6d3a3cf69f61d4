"""The plan states the measured gap between representative days and the whole month for a
shipped preset, and only for the preset as shipped (nothing was measured for a changed one)."""

from __future__ import annotations

import pytest

from planner.month_check import MEASURED, measured_gap
from planner.plan import build_plan
from planner.presets import apply_overrides, load


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_a_shipped_preset_with_a_measured_gap_says_so_in_its_plan(name: str) -> None:
    plan = build_plan(load(name))
    assert plan.horizon == "representative_days"
    assert MEASURED[name] in plan.notes
    rerun = apply_overrides(load(name), {"simulation.replications": 9, "simulation.seed": 4})
    assert measured_gap(rerun) == MEASURED[name]  # simulation settings do not change the design


def test_a_changed_design_gets_no_measured_gap() -> None:
    s = apply_overrides(load("article_1m_chat"), {"edge.device_count": 100})
    assert measured_gap(s) is None
    assert not any("against the whole month" in n for n in build_plan(s).notes)
    assert measured_gap(load("clinic_llm_assistant_pii")) is None  # whole month already
