"""The Cost page flags a GPU pool billed mostly idle or starting and names the remedies; the
capacity page shows the links' circuit-breaker figures (headless AppTest)."""

from __future__ import annotations

from tests.app.test_dashboard import FAST, app_for, no_errors


def test_cost_page_flags_the_default_presets_idle_pool_and_compares_with_the_article() -> None:
    at = app_for({"v": "1", "preset": "article_1m_chat", **FAST}, "cost")
    no_errors(at)
    assert "Busy against billed GPU-hours" in [h.value for h in at.subheader]
    warnings = [w.value for w in at.warning]
    assert any("pays mostly for GPUs that are not serving" in w for w in warnings), warnings
    # the article prices power at $0/kWh (folded into maintenance): say so beside '$0'
    assert any("Edge power reads \\$0" in c.value for c in at.caption)  # '$' escaped: no LaTeX
    remedies = " ".join(m.value for m in at.markdown)
    assert "stable_window_s" in remedies and "wait_threshold_s" in remedies
    captions = " ".join(c.value for c in at.caption)
    assert "the source article estimates 200-300" in captions


def test_capacity_page_shows_breaker_figures() -> None:
    at = app_for({"v": "1", "preset": "remote_farm_sensors_satellite", **FAST}, "capacity")
    no_errors(at)
    labels = {m.label: m.value for m in at.metric}
    for name in (
        "breaker openings / month",
        "kept local, breaker open / month",
        "kept local, link down / month",
        "GPU cold starts / day",
    ):
        assert name in labels and labels[name] != "n/a", labels


def test_gpu_line_reconciles_hours_times_price_to_the_cent() -> None:
    """seasonal: an L4 at $0.805 an hour read '$0.81' beside '825.4 billed GPU-hours ... =
    $664.42'; 825.4 x 0.81 = $668.57. The hours and price shown multiply to the line shown."""
    import re

    at = app_for({"v": "1", "preset": "seasonal_burst_app", **FAST}, "cost")
    no_errors(at)
    lines = [c.value for c in at.caption if c.value.startswith("GPU line of ")]
    assert lines
    pattern = r"([\d,.]+) billed GPU-hours \(on demand\) x \$([\d.]+) = \$([\d,.]+) a month"
    for text in lines:
        found = re.search(pattern, text)
        assert found, text
        hours, price, line = (float(g.replace(",", "")) for g in found.groups())
        assert price == 0.805
        assert abs(hours * price - line) <= 0.005 * price + 0.005, text  # the roundings shown
    bill = next(t.value for t in at.dataframe if "price per GPU-hour" in t.value.columns)
    assert list(bill["price per GPU-hour"]) == ["$0.805"]
