"""The dashboard in a real browser: change an input, share the link, read the same figures."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

START = "?v=1&preset=clinic_llm_assistant_pii&simulation.replications=2"
PAGES = ("latency", "capacity", "cost", "compliance", "compare", "assumptions")


def settle(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=180_000)


def kpis(page: Page) -> list[str]:
    """The metrics once the page has settled: no script running and the same values on two
    reads a second apart. A link's first script run can end and hand over to the next (the
    link applied, a preview replaced) with the old run's elements still on the page, and the
    status widget gone for a moment: CI once read 13 of the 21 tiles' values there."""
    values = page.get_by_test_id("stMetricValue")
    values.first.wait_for(timeout=180_000)
    before: list[str] = []
    for _ in range(180):
        settle(page)
        now = values.all_inner_texts()
        if now and now == before:
            return now
        before = now
        page.wait_for_timeout(1000)
    raise AssertionError(f"the page's metrics never settled: {before}")


def screenshot(page: Page, name: str, folder: Path) -> None:
    """Full-page PNG in the test's own output folder (pytest-playwright's output_path)."""
    folder.mkdir(parents=True, exist_ok=True)
    height = page.locator("[data-testid=stMain]").evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(900, min(int(height), 5000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 900})


def test_change_share_and_reopen(
    page: Page, browser: Browser, base_url: str, output_path: str
) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(base_url + "/" + START)
    first = kpis(page)
    assert first and all(first)
    page.get_by_test_id("stExpander").filter(has_text="Edge").locator("summary").click()
    box = page.get_by_label("devices", exact=True)
    box.fill("50")
    box.press("Enter")
    page.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"edge\.device_count=50"), timeout=180_000)
    changed = kpis(page)
    assert changed != first
    shared = page.url
    screenshot(page, "overview", Path(output_path))
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    colleague = other.new_page()
    colleague.goto(shared)
    assert kpis(colleague) == changed
    other.close()


def test_every_page_shows_and_is_photographed(page: Page, base_url: str, output_path: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    for name in PAGES:
        page.goto(f"{base_url}/{name}{START}")
        page.locator("h1").first.wait_for(timeout=180_000)
        settle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        if name in ("latency", "capacity", "cost", "compare"):
            page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
            n = page.locator(".js-plotly-plot").first.evaluate("gd => gd._fullData.length")
            assert n > 0
        screenshot(page, name, Path(output_path))


def test_hostile_link_in_the_browser(page: Page, base_url: str) -> None:
    page.goto(base_url + "/?v=1&preset=nope&edge.device_count=-1&simulation.replications=2")
    expect(page.get_by_text("preset 'nope' does not exist")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("Recommendation:")).to_be_visible(timeout=180_000)
