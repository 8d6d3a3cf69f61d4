"""The PDF memo: built for every preset; the text carries the RunResult's figures as shown."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from planner.links import from_params, to_params
from planner.presets import apply_overrides, list_presets, load
from planner.run import RunResult, run
from ui import charts
from ui.memo import build_memo, fmt_ms, matplotlib_png, safe

BASE = "http://localhost:8501/"


def memo_for(preset: str, **updates: object) -> tuple[RunResult, bytes, str]:
    s = apply_overrides(load(preset), {"simulation.replications": 2, **updates})
    r = run(s)
    from urllib.parse import urlencode

    link = f"{BASE}?{urlencode(to_params(s))}"
    return r, build_memo(r, link, dt.date(2026, 11, 27)), link


def pdftext(pdf: bytes, tmp: Path) -> str:
    f = tmp / "m.pdf"
    f.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True
    ).stdout


def pages(pdf: bytes, tmp: Path) -> int:
    f = tmp / "m.pdf"
    f.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(f)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def images(pdf: bytes, tmp: Path) -> int:
    f = tmp / "m.pdf"
    f.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(f)], capture_output=True, text=True, check=True)
    return len(out.stdout.strip().splitlines()) - 2


@pytest.mark.parametrize("name", [n for n, _ in list_presets()])
def test_memo_for_every_preset(name: str, tmp_path: Path) -> None:
    r, pdf, link = memo_for(name)
    text = pdftext(pdf, tmp_path)
    flat = " ".join(text.split())
    assert f"Recommendation: {r.extras['decision']['architecture']}" in flat
    assert fmt_ms(r.figures["latency_ms.p95"]) in flat
    assert fmt_ms(r.figures["latency_ms.p99"]) in flat
    assert f"${r.extras['cost']['monthly_usd']['total']:,.0f}" in flat
    for gap in r.extras["compliance"]["gaps"]["edge"]:
        assert gap in flat
    assert 2 <= pages(pdf, tmp_path) <= 6
    assert images(pdf, tmp_path) == 4
    uri = re.search(rb"/URI \((.*?)\)", pdf).group(1).decode()  # type: ignore[union-attr]
    assert uri == link
    params = dict(parse_qsl(urlsplit(uri).query))
    assert from_params(params).scenario == r.scenario


def test_same_scenario_same_memo_apart_from_the_date(tmp_path: Path) -> None:
    s = apply_overrides(load("remote_farm_sensors_satellite"), {"simulation.replications": 2})
    r = run(s)
    a = build_memo(r, BASE, dt.date(2026, 1, 1))
    b = build_memo(run(s), BASE, dt.date(2026, 1, 1))
    assert a == b
    c = build_memo(r, BASE, dt.date(2026, 1, 2))
    assert pdftext(a, tmp_path).replace("2026-01-01", "") == pdftext(c, tmp_path).replace(
        "2026-01-02", ""
    )


def test_hostile_text_wraps_and_builds(tmp_path: Path) -> None:
    name = "Zürich Klinik – ≤50 ms € ✓ 🚀 \u202e\x00 " + "W" * 110
    _, pdf, _ = memo_for(
        "clinic_llm_assistant_pii",
        name=name[:120],
        description="ünïcödé " + "x" * 300 + " 漢字 " * 20,
    )
    text = pdftext(pdf, tmp_path)
    assert "Zürich Klinik" in text and "€" in text
    assert 2 <= pages(pdf, tmp_path) <= 6


def test_safe_replaces_what_the_font_lacks() -> None:
    assert safe("a\x00b🚀c") == "a?b?c"
    assert safe("x" * 500, 10) == "x" * 9 + "…"


def test_matplotlib_fallback_draws_the_same_traces() -> None:
    r = run(apply_overrides(load("remote_farm_sensors_satellite"), {"simulation.replications": 1}))
    png = matplotlib_png(charts.fig_cost_breakdown(r), 600, 300)
    assert png.startswith(b"\x89PNG")


def test_cli_memo(tmp_path: Path) -> None:
    out = tmp_path / "memo.pdf"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "memo",
            "remote_farm_sensors_satellite",
            "--set",
            "simulation.replications=2",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert out.read_bytes().startswith(b"%PDF") and "Recommendation" in pdftext(
        out.read_bytes(), tmp_path
    )
