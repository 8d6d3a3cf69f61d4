"""Issue 11 in a real browser: histogram bars for sub-300 ms SLOs, the Run button in the first
viewport, the memo's first page carrying every architecture's monthly cost, a clean server log."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

PAGES = ("", "latency", "capacity", "cost", "compliance", "compare", "assumptions")
FAST = "&simulation.replications=2"


def settle(page: Page) -> None:
    page.locator("h1").first.wait_for(timeout=300_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=300_000)


@pytest.mark.parametrize("preset", ["retail_kiosk_vision", "factory_robotics_control_loop"])
def test_every_page_draws_and_histograms_have_visible_bars(
    page: Page, base_url: str, preset: str
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    for name in PAGES:
        page.goto(f"{base_url}/{name}?v=1&preset={preset}{FAST}")
        settle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        plots = page.locator(".js-plotly-plot")
        if name in ("latency", "capacity", "cost", "compare"):
            plots.first.wait_for(timeout=120_000)
            assert plots.first.evaluate("gd => gd._fullData.length") > 0
        if name == "latency":
            hist = plots.first
            heights = hist.locator(".barlayer .point path").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().height)"
            )
            assert sum(h > 1 for h in heights) >= 5, heights
            x_range = hist.evaluate("gd => gd._fullLayout.xaxis.range")
            assert x_range[1] - x_range[0] < 4  # log10 units: never stretched to 10^305


def test_run_button_is_in_the_first_viewport(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base_url}/?v=1&preset=article_1m_chat{FAST}")
    settle(page)
    box = page.get_by_role("button", name="Run", exact=True).bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900


def test_memo_page_one_holds_each_architectures_monthly_cost(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base_url}/?v=1&preset=article_1m_chat{FAST}")
    page.get_by_test_id("stMetric").first.wait_for(timeout=300_000)
    settle(page)
    metrics = page.get_by_test_id("stMetric").all_inner_texts()
    names = [n.strip() for n in page.locator("h4").all_inner_texts()]  # the tiles' headings
    monthly = [re.match(r"monthly cost\s+(\$[\d,.]+)", t) for t in metrics]
    costs = dict(zip(names, [m.group(1) for m in monthly if m], strict=True))
    assert len(costs) == 3, metrics
    page.get_by_role("button", name="Prepare decision memo (PDF)").click()
    button = page.get_by_role("button", name="Download memo (PDF)")
    button.wait_for(timeout=300_000)
    with page.expect_download() as info:
        button.click()
    pdf = tmp_path / "memo.pdf"
    info.value.save_as(pdf)
    first = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name, cost in costs.items():
        assert name in first and cost in first, (name, cost)


def test_zz_server_log_has_no_deprecation_warning(server_log: Path) -> None:
    """Runs last in this module, after every page above was served."""
    text = server_log.read_text(errors="replace")
    assert not re.search(r"deprecat", text, re.IGNORECASE), text[-2000:]
