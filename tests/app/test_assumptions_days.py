"""The Assumptions page lists the plan's simulated days with their weights (issue 10)."""

from __future__ import annotations

from planner.presets import load
from tests.app.test_dashboard import FAST, app_for, no_errors


def test_assumptions_page_lists_the_simulated_days() -> None:
    at = app_for({"v": "1", "preset": "seasonal_burst_app", **FAST}, "assumptions")
    no_errors(at)
    assert "Simulated days" in [h.value for h in at.subheader]
    days = at.dataframe[-1].value
    assert list(days.columns[:3]) == ["simulated day", "days a month", "days of the month"]
    assert abs(float(days["days a month"].sum()) - 30) < 0.05
    assert days["simulated day"].str.contains("in season").any()
    assert days["simulated day"].str.contains("burst 1").any()


def test_a_slow_scenario_is_previewed_then_answered_in_full() -> None:
    """local_first_hybrid (predicted over state.PREVIEW_ABOVE_S with SimPy) first shows a
    preview, then the full run replaces it; the Assumptions page states engine and precision."""
    from ui import state

    s = load("local_first_hybrid", {"simulation.replications": 2})
    at = app_for({"v": "1", "preset": "local_first_hybrid", **FAST}, "assumptions")
    no_errors(at)
    r = at.session_state["result"]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("engine: ") for c in captions)
    assert any(c.startswith("precision (95% half-width") for c in captions)
    if state.wants_preview(s):
        assert state.store().get(state.PREVIEW + state.canonical(s)) is not None
    assert r.engine["mode"] == "full"  # the preview was replaced
