"""The hostile corpus through the dashboard (AppTest): a titled page, no exception, a warning
naming the field, for every case of ``tests/fixtures/hostile`` that a link can carry."""

from __future__ import annotations

import json
import re
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


def test_a_run_too_big_for_memory_is_refused_on_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the request limit but not the memory: the run says so. (A link can no longer
    raise the request limit: ``simulation.max_simulated_requests`` above the server's is
    ignored, so the memory here is made small instead.)"""
    import planner.plan

    monkeypatch.setattr(planner.plan, "available_memory_bytes", lambda: 2e8)
    # a seed of its own: the server computes identical scenarios once (another test's run)
    at = open_link({"v": "1", "workload.requests_per_month": "1e6", "simulation.seed": "424242"})
    page_survives(at)
    errors = " ".join(e.value for e in at.error)
    assert "GB of memory" in errors, errors


@pytest.mark.parametrize("volume", ["1e10", "1e11"])
def test_a_volume_over_the_scenarios_limit_names_the_field_and_range(volume: str) -> None:
    """Refused before any run with the same message on every server (the memory free on this
    one plays no part), and no 'stale results' banner beside no result."""
    at = open_link({"v": "1", "preset": "article_1m_chat", "workload.requests_per_month": volume})
    page_survives(at)
    errors = " ".join(e.value for e in at.error)
    top = 10 ** at.slider(key="in:workload.requests_per_month").max
    assert "workload.requests_per_month" in errors and "allowed 1 to " in errors, errors
    limit = float(errors.split("allowed 1 to ")[1].split(" ")[0].replace(",", ""))
    assert top <= limit < top * 1.03  # the slider stops at the stated limit
    assert "GB of memory" not in errors
    assert not any("stale" in w.value for w in at.warning)
    assert at.session_state["result"] is None


def test_names_from_a_link_render_as_text_not_links() -> None:
    """A quoted YAML string passes as a scenario or request-class name: '[Open the new
    planner](http://evil.example)' rendered as a clickable link on the Overview (caption,
    notes); it must read as the literal text."""
    evil = '"[Open the new planner](http://evil.example)"'
    at = open_link(
        {
            "v": "1",
            "preset": "local_first_hybrid",
            **FAST,
            "name": evil,
            "workload.request_classes.1.name": '"![x](http://e.vil/p.png)"',
        }
    )
    page_survives(at)
    shown = [c.value for c in at.caption] + [i.value for i in at.info]
    assert any("Open the new planner" in t for t in shown)
    assert any("![x]" in t.replace("\\", "") for t in shown)  # the class name is in a note
    for text in shown:  # every bracket escaped: '\[...\](http...)' is no Markdown link
        assert not re.search(r"(?<!\\)[\[\]]", text), text
