"""The Assumptions page's pilot section: the fit table and the figures marked as measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planner.presets import load
from ui.pilot import MEASURED, fit_rows, measured_rows

SAMPLE = Path(__file__).resolve().parents[2] / "presets" / "pilots" / "pi5_hailo10h_l4_chat.csv"


def test_fit_rows_mark_every_fitted_figure_as_measured() -> None:
    rows, overrides = fit_rows(SAMPLE.read_bytes(), SAMPLE.name)
    assert {r["grade"] for r in rows} == {MEASURED}
    assert {r["figure"] for r in rows} == set(overrides) - {"cloud.request_overhead_ms"}
    s = load("article_1m_chat", overrides)
    assert {r["figure"] for r in measured_rows(s)} == {r["figure"] for r in rows}


def page() -> None:
    from ui import assumptions, state

    state.init_from_link()
    assumptions.render()


def test_assumptions_page_lists_pilot_figures_from_the_link() -> None:
    at = AppTest.from_function(page, default_timeout=60)
    at.query_params["v"] = "1"
    at.query_params["preset"] = "article_1m_chat"
    at.query_params["edge.llm_decode_tokens_per_s"] = "7.6"
    at.run()
    assert not at.exception
    assert "Pilot calibration" in [h.value for h in at.subheader]
    frames = [d.value for d in at.dataframe]
    assert any(
        "edge.llm_decode_tokens_per_s" in set(f.get("figure", [])) and MEASURED in set(f["grade"])
        for f in frames
    ), frames
    assert pytest.approx(7.6) in [v for f in frames if "figure" in f for v in f["value"]]


def test_hostile_pilots_uploaded_get_one_message_naming_row_and_column() -> None:
    import json

    hostile = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
    cases = json.loads((hostile / "pilots.json").read_text())
    at = AppTest.from_function(page, default_timeout=60)
    at.query_params["v"] = "1"
    at.query_params["preset"] = "article_1m_chat"
    at.run()
    for case in cases:
        data = (hostile / "pilots" / case["file"]).read_bytes()
        at.file_uploader(key="pilot_csv").set_value((case["file"], data, "text/csv")).run()
        assert not at.exception, (case["file"], [e.value for e in at.exception])
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and case["says"] in errors[0], (case["file"], errors)
        if case["row"] is not None:
            assert f"row {case['row']}" in errors[0]
