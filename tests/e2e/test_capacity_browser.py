"""The Fallback and capacity page of local_first_hybrid in a real browser: the GPU busy share
KPI and the slots-in-use panel read as two measures, the panel drawn on its own scale, drops
per month with their meaning."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

URL = "/capacity?v=1&preset=local_first_hybrid&simulation.replications=2"


def test_capacity_kpi_and_panel_measure_what_they_say(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(base_url + URL)
    page.get_by_test_id("stMetric").first.wait_for(timeout=300_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=300_000)
    metrics = page.get_by_test_id("stMetric").all_inner_texts()
    busy = next(m for m in metrics if m.startswith("GPU busy (of ready time)"))
    found = re.search(r"([\d.]+) %", busy)
    assert found, busy
    share = float(found.group(1))
    assert share > 20, metrics  # ~38 % as the Cost page's busy share
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for(timeout=120_000)
    titles = plot.evaluate("gd => (gd._fullLayout.annotations || []).map(a => a.text)")
    assert "GPU request slots in use (sampled each minute)" in titles
    assert "GPU utilisation" not in titles
    top = plot.evaluate(
        "gd => gd._fullLayout['yaxis' + gd._fullLayout.annotations.length].range[1]"
    )
    assert top < 50  # the panel's data (<10 %) fills its axis instead of lying flat at 0
    table = page.get_by_test_id("stTable").first.inner_text()
    assert "must stay on site" in table and "sensitive" in table
