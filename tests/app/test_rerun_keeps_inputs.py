"""A rerun (a page switch is one) must never change the scenario's inputs in the sidebar."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

import planner.plan

START = {"v": "1", "preset": "seasonal_burst_app", "simulation.replications": "2"}
KEY = "in:workload.requests_per_month"


def test_volume_slider_survives_a_rerun_when_free_memory_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The slider's top is the engine's volume limit, which follows the machine's free memory;
    the slider's maximum is part of its widget identity, so a limit that moved between two
    reruns used to reset the slider to its minimum (10^0 = 1 request / month) and flag the
    results as stale although nothing was edited."""
    free = {"bytes": 2e9}
    monkeypatch.setattr(planner.plan, "available_memory_bytes", lambda: free["bytes"])
    at = AppTest.from_file("../../app.py", default_timeout=300)
    for k, v in START.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    volume = at.session_state["current_scenario"].workload.requests_per_month
    assert at.slider(key=KEY).value == pytest.approx(math.log10(volume))
    link = dict(at.query_params)

    free["bytes"] = 0.5e9  # another process took memory: the volume limit falls
    at.run()  # what a click in the sidebar navigation does to the server: a rerun
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key=KEY).value == pytest.approx(math.log10(volume))
    assert any(f"= {volume:,.0f} requests / month" in c.value for c in at.caption)
    assert not any("stale" in w.value for w in at.warning)
    assert dict(at.query_params) == link
