"""Runs shared by the decision, chart and memo tests: every preset once, two replications."""

from __future__ import annotations

import pytest

from planner.presets import apply_overrides, list_presets, load
from planner.run import RunResult, run


@pytest.fixture(scope="session")
def preset_runs() -> dict[str, RunResult]:
    return {
        name: run(apply_overrides(load(name), {"simulation.replications": 2}))
        for name, _ in list_presets()
    }
