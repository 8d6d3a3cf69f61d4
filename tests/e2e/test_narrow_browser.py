"""Paired charts in an 820 px and a 1400 px window: side by side where two fit, one above the
other where they do not; bars' names and the legend never overlap. In an 820 px window the Cost
page's two half-width columns were 236 px each: 'edge-onlycloud-onlyhybrid' ran together, the
legend took most of the height and the cumulative chart's title was cut. Tiles, KPIs and tables
read whole at both widths."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

FARM = "?v=1&preset=remote_farm_sensors_satellite&simulation.replications=2"
KIOSK = "?v=1&preset=retail_kiosk_vision&simulation.replications=2"
FAST_ARTICLE = "&simulation.replications=2"


def boxes(page: Page, selector: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = page.locator(selector).evaluate_all(
        "els => els.map(e => { const b = e.getBoundingClientRect();"
        " return {x: b.x, y: b.y, w: b.width, h: b.height, text: e.textContent}; })"
    )
    return out


def apart(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] + a["w"] <= b["x"] + 0.5
        or b["x"] + b["w"] <= a["x"] + 0.5
        or a["y"] + a["h"] <= b["y"] + 0.5
        or b["y"] + b["h"] <= a["y"] + 0.5
    )


@pytest.mark.parametrize("width", [820, 1400])
@pytest.mark.parametrize(
    ("page_path", "link"), [("cost", FARM), ("latency", FARM), ("cost", KIOSK)]
)
def test_paired_charts_keep_their_width_and_labels_apart(
    page: Page, base_url: str, width: int, page_path: str, link: str
) -> None:
    """The kiosk's two-line bar name 'cloud-only,<br>25 GPU replicas' sat under a one-column
    legend at 1400 px; its break-even labels ran over the dollar ticks."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base_url}/{page_path}{link}")
    plots = page.locator(".js-plotly-plot")
    plots.nth(1).wait_for(timeout=300_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=300_000)
    page.wait_for_timeout(1000)  # plotly lays out after the element appears
    first, second = boxes(page, ".js-plotly-plot")[:2]
    assert first["w"] >= 400 and second["w"] >= 400, (first, second)
    if width == 820:  # one above the other
        assert second["y"] >= first["y"] + first["h"] - 1, (first, second)
    else:  # side by side
        assert abs(second["y"] - first["y"]) < 2 and second["x"] >= first["x"] + first["w"]
    for i in range(2):
        plot = f".js-plotly-plot >> nth={i}"
        ticks = boxes(page, f"{plot} >> .xtick text")
        assert len(ticks) >= 3
        for k, a in enumerate(ticks):
            for b in ticks[k + 1 :]:
                assert apart(a, b), (page_path, width, a["text"], b["text"])
        legend = boxes(page, f"{plot} >> .legend")
        area = boxes(page, f"{plot} >> .nsewdrag")
        assert legend and area, (page_path, width)
        # the legend sits below the plot area and the bars' names
        foot = max(t["y"] + t["h"] for t in [area[0], *ticks])
        assert legend[0]["y"] >= foot - 1, (page_path, width, legend[0], foot)
        texts = boxes(page, f"{plot} >> .annotation")
        yticks = boxes(page, f"{plot} >> .ytick text")
        for a in texts:  # no label over the axis's ticks
            assert all(apart(a, b) for b in yticks), (page_path, width, a["text"])
        title = boxes(page, f"{plot} >> .gtitle")
        if title:  # the title is drawn whole inside the chart
            box = boxes(page, plot)[0]
            assert title[0]["x"] + title[0]["w"] <= box["x"] + box["w"] + 1, title[0]["text"]


CUT = """els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
"""The texts an element clips (an ellipsis or a hidden overflow)."""


def settled(page: Page, url: str, ready: str) -> None:
    page.goto(url)
    page.locator(ready).first.wait_for(timeout=300_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=300_000)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("width", [820, 1400])
def test_overview_tiles_and_capacity_figures_are_read_whole(
    page: Page, base_url: str, width: int
) -> None:
    """article at 820 px: three tile columns of 160 px cut 'none (edge only)' to 'none ...' and
    '$276,770' to '$276,...'; the capacity page's four KPI columns cut 'GPU busy (of ready
    time)' to 'GPU busy (o...'."""
    page.set_viewport_size({"width": width, "height": 900})
    settled(page, f"{base_url}/?v=1&preset=article_1m_chat{FAST_ARTICLE}", "[data-testid=stMetric]")
    values = page.locator("[data-testid=stMetricValue] > div")
    assert values.count() >= 21
    assert values.evaluate_all(CUT) == []
    labels = page.locator("[data-testid=stMetricLabel] p")
    assert labels.evaluate_all(CUT) == []
    tiles = boxes(page, "h4")[:3]  # the tiles' headings
    if width == 1400:  # side by side
        assert len({round(t["y"]) for t in tiles}) == 1, tiles
    settled(page, f"{base_url}/capacity{FARM}", "[data-testid=stMetric]")
    assert page.locator("[data-testid=stMetricLabel] p").evaluate_all(CUT) == []
    assert page.locator("[data-testid=stMetricValue] > div").evaluate_all(CUT) == []
    settled(page, f"{base_url}/cost{FARM}", "[data-testid=stTable]")
    tables = page.get_by_test_id("stTable")
    assert "per 1,000 requests" in tables.first.inner_text()
    assert "hybrid (local-first)" in tables.nth(1).inner_text()  # the cost lines' header
    assert tables.count() >= 3  # the summary, the cost lines, busy against billed GPU-hours
    for i in range(tables.count()):
        assert tables.nth(i).locator("td, th").evaluate_all(CUT) == []
        box = boxes(page, f"[data-testid=stTable] >> nth={i}")[0]
        assert box["x"] + box["w"] <= width, box  # nothing past the window's edge


def test_the_capacity_title_fits_an_820_px_window(page: Page, base_url: str) -> None:
    """kiosk: 'Fallback and capacity: any day, 1 device down, sampled hours (0.22 days a month)'
    ran past the chart's right edge."""
    page.set_viewport_size({"width": 820, "height": 900})
    settled(page, f"{base_url}/capacity{KIOSK}", ".js-plotly-plot")
    plot = boxes(page, ".js-plotly-plot")[0]
    [title] = boxes(page, ".js-plotly-plot >> .gtitle")
    assert "days a month" in title["text"]
    assert title["x"] >= plot["x"] and title["x"] + title["w"] <= plot["x"] + plot["w"], title


def test_the_scaling_logs_reasons_read_whole_at_820_px(page: Page, base_url: str) -> None:
    """article: a KPA reason ('stable: 0.0 in flight over 60 s; no traffic for the stable
    window, grace ...') was cut at the right edge of a dataframe cell in an 820 px window; the
    log's table wraps it, inside the window."""
    page.set_viewport_size({"width": 820, "height": 900})
    url = f"{base_url}/capacity?v=1&preset=article_1m_chat{FAST_ARTICLE}"
    settled(page, url, "text=Scaling decisions on this day")
    log = page.get_by_test_id("stTable").last
    expect(log).to_contain_text("no traffic for the stable window")
    assert log.locator("td, th").evaluate_all(CUT) == []
    [box] = log.evaluate_all("els => els.map(e => e.getBoundingClientRect().right)")
    assert box <= 820
