"""A rerun (a page switch is one) must never change the scenario's inputs in the sidebar."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

import planner.plan

START = {"v": "1", "preset": "seasonal_burst_app", "simulation.replications": "2"}
KEY = "in:workload.requests_per_month"


def test_volume_slider_range_does_not_follow_free_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The slider's top is the engine's request limit for the scenario, not the machine's free
    memory: a limit that followed memory moved between reruns (the slider's maximum is part of
    its widget identity, so it reset to 10^0 = 1 request / month and flagged the results as
    stale) and made a link valid on one server out of range on another."""
    free = {"bytes": 2e9}
    monkeypatch.setattr(planner.plan, "available_memory_bytes", lambda: free["bytes"])
    at = AppTest.from_file("../../app.py", default_timeout=300)
    for k, v in START.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    volume = at.session_state["current_scenario"].workload.requests_per_month
    assert at.slider(key=KEY).value == pytest.approx(math.log10(volume))
    top = at.slider(key=KEY).max
    link = dict(at.query_params)

    free["bytes"] = 0.5e9  # another process took memory
    at.run()  # what a click in the sidebar navigation does to the server: a rerun
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key=KEY).value == pytest.approx(math.log10(volume))
    assert any(f"= {volume:,.0f} requests / month" in c.value for c in at.caption)
    assert not any("stale" in w.value for w in at.warning)
    assert dict(at.query_params) == link

    free["bytes"] = 500e9  # a colleague's larger server, a new session: the same range
    other = AppTest.from_file("../../app.py", default_timeout=300)
    for k, v in START.items():
        other.query_params[k] = v
    other.run()
    assert other.slider(key=KEY).max == top
    # 2 replications of the compiled engine's 30M-request limit: about 22M a month here
    assert 7.0 < top < 8.0
