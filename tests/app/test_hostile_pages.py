"""The hostile corpus through the dashboard (AppTest): a titled page, no exception, a warning
naming the field, for every case of ``tests/fixtures/hostile`` that a link can carry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from planner.scenario import Scenario

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"
VALUES = json.loads((HOSTILE / "values.json").read_text())
LINKS = json.loads((HOSTILE / "links.json").read_text())
FAST = {"simulation.replications": "1"}


def open_link(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def page_survives(at: AppTest) -> str:
    """The page rendered its title without an exception; returns the warnings' text."""
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.title[0].value == "Overview"
    return " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("case", VALUES, ids=[c["name"] for c in VALUES])
def test_hostile_value_in_a_link(case: dict[str, Any]) -> None:
    at = open_link({"v": "1", **FAST, case["path"]: case["value"]})
    warnings = page_survives(at)
    assert case["field"] in warnings and case["says"] in warnings, warnings
    assert isinstance(at.session_state["current_scenario"], Scenario)


@pytest.mark.parametrize("case", LINKS, ids=[c["name"] for c in LINKS])
def test_hostile_link(case: dict[str, Any], tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: read from outside the presets folder\n")
    params = {k: v.replace("{outside}", str(outside)) for k, v in case["params"].items()}
    at = open_link(params if "x0" in params else {**params, **FAST})
    warnings = page_survives(at)
    assert case["says"] in warnings, warnings
    assert at.session_state["current_scenario"].name != "read from outside the presets folder"


def test_very_low_volume_link_renders_a_recommendation() -> None:
    at = open_link({"v": "1", **FAST, "workload.requests_per_month": "1", "simulation.seed": "3"})
    page_survives(at)
    assert at.subheader and at.subheader[0].value.startswith("Recommendation: ")


def test_a_run_too_big_for_memory_is_refused_on_the_page() -> None:
    at = open_link(
        {
            "v": "1",
            "workload.requests_per_month": "1e11",
            "simulation.max_simulated_requests": "1000000000",
        }
    )
    page_survives(at)
    errors = " ".join(e.value for e in at.error)
    assert "GB of memory" in errors, errors
