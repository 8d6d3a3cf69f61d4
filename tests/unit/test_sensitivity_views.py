"""The sensitivity as read: formatted rows (no raw float), the two-panel tornado, and the memo
with the section — or a plain statement that it was not computed — and no mostly empty page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from planner import sensitivity_text as text
from planner.run import RunResult, run
from planner.sensitivity import sensitivity
from tests.unit.test_flip_check import Scripted, small
from tests.unit.test_memo import images, pages, pdftext
from ui.memo import MIN_FILL, layout_memo
from ui.tool_charts import fig_tornado

LINK = "http://localhost:8501/?v=1&preset=article_1m_chat"


@pytest.fixture(scope="module")
def small_run() -> RunResult:
    return run(small())


@pytest.fixture(scope="module")
def tornado() -> dict[str, Any]:
    s = small()
    v = s.workload.requests_per_month
    return sensitivity(s, Scripted(s, flip_volume=0.8 * v, factor=0.4))


def test_rows_read_as_formatted_text(tornado: dict[str, Any]) -> None:
    rows = text.table(tornado)
    assert [r["input"] for r in rows] == [r["input"] for r in tornado["rows"]]
    for r in rows:
        for cell in r.values():
            assert not re.search(r"\d\.\d{4,}", cell), cell  # no raw float
            assert "_" not in cell and "None" not in cell, cell
        assert "–" in r["range"]
    volume = next(r for r in rows if r["input"] == "volume")
    assert volume["flips at"].startswith("cloud-first at ") and "/month" in volume["flips at"]
    assert volume["monthly cost, low / high end"].startswith("$")
    assert any("found by simulation" in line for line in text.flips_found(tornado))


def test_tornado_has_a_cost_and_an_attainment_panel(tornado: dict[str, Any]) -> None:
    fig = fig_tornado(tornado)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 4 and {t.xaxis for t in bars} == {"x", "x2"}
    n = len(tornado["rows"])
    assert all(len(t.y) == n for t in bars)
    cost_low = next(t for t in bars if t.xaxis == "x" and "low" in t.name)
    base = tornado["base"]["monthly_usd"]
    # each bar spans from the base figure to the figure at that end
    assert cost_low.base == pytest.approx(base)
    for row, x in zip(tornado["rows"][::-1], cost_low.x, strict=True):
        assert cost_low.base + x == pytest.approx(row["monthly_usd"]["low"])
    assert "(flips)" in " ".join(cost_low.y)
    titles = [a.text for a in fig.layout.annotations]
    assert "Monthly cost (USD)" in titles and "SLO attainment (%)" in titles


def test_tornado_bars_use_the_house_palette(tornado: dict[str, Any]) -> None:
    """Each end in one house colour on both panels (plotly's default blue and orange before)."""
    from ui.charts import ARCH_COLOURS

    bars = [t for t in fig_tornado(tornado).data if t.type == "bar"]
    by_end = {("low" if "low" in t.name else "high", t.marker.color) for t in bars}
    assert by_end == {("low", ARCH_COLOURS[0]), ("high", ARCH_COLOURS[1])}


def test_memo_with_sensitivity(
    small_run: RunResult, tornado: dict[str, Any], tmp_path: Path
) -> None:
    memo = layout_memo(small_run, LINK, dt.date(2026, 11, 28), tornado)
    pdf = bytes(memo.output())
    flat = " ".join(pdftext(pdf, tmp_path).split())
    assert "Sensitivity: which input moves the answer" in flat
    for r in text.table(tornado):
        assert r["input"] in flat and r["flips at"] in flat
    assert "Simulated: " + tornado["flip_checks"][0]["text"][:60] in flat
    assert "not computed" not in flat
    assert images(pdf, tmp_path) == 5
    assert min(memo.fills) >= MIN_FILL, memo.fills
    assert len(memo.fills) == pages(pdf, tmp_path)


def test_memo_without_sensitivity_says_so(small_run: RunResult, tmp_path: Path) -> None:
    memo = layout_memo(small_run, LINK, dt.date(2026, 11, 28))
    pdf = bytes(memo.output())
    flat = " ".join(pdftext(pdf, tmp_path).split())
    assert "Sensitivity was not computed for this memo" in flat
    assert "memo --sensitivity" in flat and "not re-simulated" in flat
    assert images(pdf, tmp_path) == 4
    assert min(memo.fills) >= MIN_FILL, memo.fills


@pytest.mark.slow
def test_cli_memo_with_sensitivity(tmp_path: Path) -> None:
    import subprocess
    import sys

    import yaml

    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(small().model_dump(mode="json")))
    out = tmp_path / "memo.pdf"

    def memo(*extra: str) -> subprocess.CompletedProcess[str]:
        args = ["memo", str(scenario), "-o", str(out), "--scheduler", "inprocess", *extra]
        return subprocess.run(
            [sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=900
        )

    res = memo("--sensitivity")
    assert res.returncode == 0, res.stderr
    assert "sensitivity:" in res.stdout and "included" in res.stdout
    flat = " ".join(pdftext(out.read_bytes(), tmp_path).split())
    assert "Sensitivity: which input moves the answer" in flat and "GPU price" in flat
    assert "Simulated: cloud-first if volume <" in flat  # the scaled flip, re-simulated
    helptext = subprocess.run(
        [sys.executable, "-m", "planner", "memo", "--help"], capture_output=True, text=True
    ).stdout
    assert "--sensitivity" in helptext


def test_headline_names_the_routing_with_one_pair_of_brackets(tornado: dict[str, Any]) -> None:
    hybrid = {**tornado, "routing": "local_first"}
    line = text.headline(hybrid)
    assert "own routing, hybrid (local-first): $" in line and "((" not in line and "))" not in line
    title = fig_tornado(hybrid).layout.title.text
    assert title.endswith("<sub>as routed: hybrid (local-first)</sub>") and "((" not in title


def test_a_panel_without_swing_says_so_instead_of_showing_no_bars(
    tornado: dict[str, Any],
) -> None:
    flat = {
        **tornado,
        "rows": [
            {**r, "monthly_usd": {"low": 531.0, "base": 531.0, "high": 531.2}}
            for r in tornado["rows"]
        ],
    }
    notes = [a.text for a in fig_tornado(flat).layout.annotations]
    assert "no swing:<br>$531 at every end" in notes
    assert not any(
        n.startswith("no swing:<br>$")
        for n in (a.text for a in fig_tornado(tornado).layout.annotations)  # cost moves
    )


def test_table_cells_opening_with_a_markdown_mark_are_escaped() -> None:
    """st.table renders cells as Markdown: '>99.9 % / >99.9 %' became a quote showing
    '99.9 % / >99.9 %' (the kiosk's MTBF row), and a leading '-' would be a list item."""
    from ui.common import markdown_cells

    rows = markdown_cells([{"slo": ">99.9 % / >99.9 %", "cost": "$531 / $531", "d": "-3 %"}])
    assert rows == [{"slo": "\\>99.9 % / >99.9 %", "cost": "$531 / $531", "d": "\\-3 %"}]
