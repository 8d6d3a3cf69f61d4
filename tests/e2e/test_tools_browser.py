"""Planning tools in a real browser: optimise, then open a front point as a scenario."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

START = "?v=1&preset=clinic_llm_assistant_pii&simulation.replications=1"


def settle(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=180_000)


def test_optimise_front_point_opens_as_a_scenario(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{base_url}/optimise{START}")
    page.get_by_role("button", name="Run optimisation").wait_for(timeout=180_000)
    settle(page)
    box = page.get_by_label("Evaluations")
    box.fill("3")
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Run optimisation").click()
    expect(page.get_by_text("Pareto front", exact=True)).to_be_visible(timeout=300_000)
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert page.locator(".js-plotly-plot").first.evaluate("gd => gd._fullData.length") > 0
    link = page.get_by_role("link", name=re.compile(r"^point 1: "))
    href = link.get_attribute("href") or ""
    assert href.startswith("./?v=1&preset=clinic_llm_assistant_pii")
    page.goto(f"{base_url}/{href.removeprefix('./')}")  # resolved as the browser does
    expect(page.get_by_text("Recommendation:")).to_be_visible(timeout=180_000)
    settle(page)
    assert "preset=clinic_llm_assistant_pii" in page.url
    expect(page.get_by_text("Page not found")).to_have_count(0)  # the root is the Overview


def test_whatif_page_shows(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/whatif{START}")
    page.locator("h1").first.wait_for(timeout=180_000)
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Add at least one more link")).to_be_visible()


def test_overview_sensitivity_on_request(page: Page, base_url: str, output_path: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{base_url}/?{START[1:]}&workload.requests_per_month=3000")
    button = page.get_by_role("button", name="Compute sensitivity")
    button.wait_for(timeout=180_000)
    settle(page)
    expect(page.get_by_text("Without sensitivity (not computed yet)")).to_be_visible()
    button.click()
    tornado = page.locator(".js-plotly-plot").filter(has_text="SLO attainment (%)")
    tornado.wait_for(timeout=300_000)
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    bars = tornado.evaluate("gd => gd._fullData.filter(t => t.type === 'bar').length")
    assert bars == 4
    assert tornado.evaluate("gd => gd._fullData[0].y.length") >= 3
    expect(page.get_by_text("With the sensitivity computed above.")).to_be_visible()
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    height = page.get_by_test_id("stMain").evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(900, min(int(height), 5000))})
    page.screenshot(path=str(folder / "overview-sensitivity.png"))
