"""Edge-Cloud Inference Planner: the product's domain (scenario, plan, run, cost, decision).

``planner.run(scenario) -> RunResult`` is the one entry point every face uses.
"""

from __future__ import annotations

from planner.presets import list_presets, load
from planner.run import RunResult, run
from planner.scenario import Scenario

__all__ = ["RunResult", "Scenario", "list_presets", "load", "run"]
__version__ = "0.1.0"
