"""What the pages and the memo say about a run: drops per month, break-even, residency."""

from __future__ import annotations

import pytest

from planner.compliance import residency_price
from planner.run import RunResult
from planner.verdict import recommended_text
from ui import capacity, charts, cost


def test_drops_read_per_month_with_their_share_and_meaning(
    preset_runs: dict[str, RunResult],
) -> None:
    """local_first_hybrid's residency drops read 27,033 (three replications of the month)
    beside a 150k-request month; per month they are the sensitive 13B requests (~6 %)."""
    r = preset_runs["local_first_hybrid"]
    f = r.figures
    rows = capacity.drop_rows(r).set_index("reason")
    monthly = f["requests_per_month.dropped_by_reason.residency"]
    s = r.scenario.workload
    large = next(c for c in s.request_classes if c.name == "large_model")
    expected = f["requests_per_month.arrived"] * s.sensitive_share * large.share
    assert monthly == pytest.approx(expected, rel=0.05)
    row = rows.loc["must stay on site"]
    assert row["requests / month"] == f"{round(monthly):,}"
    assert row["share of requests"].endswith("%") and row["share of requests"].startswith("6.")
    assert "sensitive" in row["what it means"]
    assert int(row["simulated"].replace(",", "")) > monthly  # two replications of the month


def test_drops_per_month_add_up_to_the_months_drops(preset_runs: dict[str, RunResult]) -> None:
    for name, r in preset_runs.items():
        f = r.figures
        parts = sum(v for k, v in f.items() if k.startswith("requests_per_month.dropped_by_"))
        assert parts == pytest.approx(f["requests_per_month.dropped"], rel=1e-9, abs=1e-6), name


def test_residency_price_is_stated_where_sensitive_requests_are_dropped(
    preset_runs: dict[str, RunResult],
) -> None:
    text = residency_price(preset_runs["local_first_hybrid"].figures)
    assert text is not None and "a month" in text and "sensitive_may_leave_site" in text
    assert residency_price(preset_runs["article_1m_chat"].figures) is None


def test_break_even_names_the_architectures_it_compares(
    preset_runs: dict[str, RunResult],
) -> None:
    """It read 'edge-first against cloud-only: month 0' where the hybrid was compared and was
    cheaper from the start."""
    v = preset_runs["local_first_hybrid"].verdict
    assert v is not None and v.break_even_month == 0
    text = cost.break_even_text(v, 3)
    assert "hybrid (local-first)" in text and "cloud-only" in text and "from the start" in text
    assert "edge-first" not in text


def test_break_even_names_every_architecture_with_devices(
    preset_runs: dict[str, RunResult],
) -> None:
    """remote farm: the chart showed edge-only (recommended) crossing cloud-only while the
    caption said only that the hybrid never catches up."""
    from planner.cost import break_even_month

    v = preset_runs["remote_farm_sensors_satellite"].verdict
    assert v is not None
    text = cost.break_even_text(v, 3)
    cloud = next(a for a in v.architectures if a.option == "cloud-first")
    for a in v.architectures:
        if a is cloud:
            continue
        assert a.name in text
        be = break_even_month(a.cost.cumulative_usd, cloud.cost.cumulative_usd)
        assert (f"month {be}" in text) if be else ("does not catch up" in text or "month 0" in text)
    fig = charts.fig_tco(preset_runs["local_first_hybrid"])
    labels = [t.name for t in fig.data if "breaks even" in t.name or "no dearer" in t.name]
    assert any(t.startswith("hybrid (local-first)") for t in labels), labels
    names = [a.name for a in preset_runs["local_first_hybrid"].verdict.architectures]  # type: ignore[union-attr]
    assert all(any(t.startswith(n) for n in names) for t in labels), labels


def test_the_recommendation_names_its_option_once(preset_runs: dict[str, RunResult]) -> None:
    for name, r in preset_runs.items():
        assert r.verdict is not None
        text = recommended_text(r.verdict)
        assert text.count("(") <= 1 and r.verdict.recommended.name in text, (name, text)


def test_day_list_caption_names_sampled_hours() -> None:
    from ui.assumptions import days_caption

    assert "sampled hours" in days_caption("sampled_hours")
    assert "sampled hours" not in days_caption("representative_days")
    assert days_caption("representative_days").startswith("Representative days")
    assert "one stretch" in days_caption("full_month")
