"""Clicking through every page in the sidebar navigation keeps the scenario: the volume slider,
the link in the address bar, and no 'stale' banner without an edit."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

START = "?v=1&preset=seasonal_burst_app&simulation.replications=2"
NAV = (
    ("Latency", "latency"),
    ("Fallback and capacity", "capacity"),
    ("Cost", "cost"),
    ("Compliance and risk", "compliance"),
    ("Compare", "compare"),
    ("Assumptions", "assumptions"),
    ("What-if", "whatif"),
    ("Optimise and sensitivity", "optimise"),
    ("Overview", ""),
)
VOLUME = "= 100,000 requests / month"  # seasonal_burst_app's baseline volume, 10^5.00


def settle(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=300_000)


def test_navigation_keeps_slider_and_link(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(base_url + "/" + START)
    page.get_by_test_id("stMetricValue").first.wait_for(timeout=300_000)
    settle(page)
    slider = page.get_by_test_id("stSidebar").locator("input[type=range]")
    expect(slider).to_have_value("5")
    for _ in range(2):
        for title, path in NAV:
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            expect(page).to_have_url(
                re.compile(rf"/{path}\?v=1&preset=seasonal_burst_app&simulation\.replications=2$"),
                timeout=300_000,
            )
            settle(page)
            expect(slider, title).to_have_value("5")
            expect(page.get_by_test_id("stSidebar").get_by_text(VOLUME), title).to_be_visible()
            expect(page.get_by_text("Results are stale"), title).to_have_count(0)
