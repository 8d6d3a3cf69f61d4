"""The Assumptions page lists the plan's simulated days with their weights (issue 10)."""

from __future__ import annotations

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
