"""The PDF memo: built for every preset; the text carries the RunResult's figures as shown."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from planner.formatting import label, pct, usd
from planner.links import from_params, to_params
from planner.presets import apply_overrides, list_presets, load
from planner.run import RunResult, run
from ui import charts
from ui.memo import (
    MIN_FILL,
    build_memo,
    fmt_ms,
    is_local,
    kpi_rows,
    layout_memo,
    matplotlib_png,
    memo_link,
    safe,
)

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


def page_text(pdf: bytes, tmp: Path, page: int) -> str:
    f = tmp / "m.pdf"
    f.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(f), "-"],
        capture_output=True,
        text=True,
        check=True,
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
def test_memo_for_every_preset(
    name: str, tmp_path: Path, preset_runs: dict[str, RunResult]
) -> None:
    r = preset_runs[name]
    link = f"{BASE}?{urlencode(to_params(r.scenario))}"
    memo = layout_memo(r, link, dt.date(2026, 11, 27))
    pdf = bytes(memo.output())
    assert min(memo.fills) >= MIN_FILL, memo.fills  # no mostly empty page, the last included
    assert "Sensitivity was not computed" in " ".join(pdftext(pdf, tmp_path).split())
    text = pdftext(pdf, tmp_path)
    flat = " ".join(text.split())
    assert f"Recommendation: {r.extras['decision']['architecture']}" in flat
    assert fmt_ms(r.figures["latency_ms.p95"]) in flat
    assert fmt_ms(r.figures["latency_ms.p99"]) in flat
    v = r.verdict
    assert v is not None
    first = " ".join(page_text(pdf, tmp_path, 1).split())
    for a in v.architectures:
        assert a.name in first
        assert usd(a.monthly_usd) in first and usd(a.three_year_usd) in first, a.name
        assert pct(a.get("slo_attainment")) in first
        for gap in a.gaps:
            assert label(gap) in flat
    assert "What would flip the decision" in first and v.flips[0][:40] in first
    # a hospital IT lead reads residency on the decision's page, checked per architecture
    must_stay = r.scenario.workload.sensitive_share > 0
    must_stay = must_stay and not r.scenario.policy.sensitive_may_leave_site
    stayed = "stayed on site in every simulated architecture"
    assert (stayed in first) == must_stay, name
    if r.scenario.workload.sensitive_share > 0:  # the routing is verified, not the control
        assert "Routing verified in the simulation" in flat and "Residency verified" not in flat
    rows = {row[0] for row in kpi_rows(r)}  # no row that cannot apply ('0.0 h' of GPU)
    if r.scenario.policy.routing.kind == "edge_only":
        assert not rows & {"fallback rate", "GPU-hours billed / month"}, name
    if r.figures["cloud.gpu_hours"] > 0:
        assert "GPU-hours billed / month" in rows, name
    summary = first.split("Reopen this scenario")[0].replace(name, "")
    for _, why in v.missing:  # the engine's refusal names the fields to change: keep it verbatim
        assert " ".join(why.split()) in summary
        summary = summary.replace(" ".join(why.split()), "")
    assert "_" not in summary
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


def test_reopen_link_uses_the_configured_public_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = "http://localhost:8501/?v=1&preset=article_1m_chat"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANNER_BASE_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert memo_link(served) == served and is_local(served)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('base_url = "https://plan.example.com"\n')
    assert memo_link(served) == "https://plan.example.com/?v=1&preset=article_1m_chat"
    monkeypatch.setenv("PLANNER_BASE_URL", "https://planner.corp.example/")
    public = memo_link(served)
    assert public == "https://planner.corp.example/?v=1&preset=article_1m_chat"
    assert not is_local(public) and is_local("http://192.168.1.4:8501/")


def test_a_local_link_is_called_local(tmp_path: Path) -> None:
    _, pdf, _ = memo_for("remote_farm_sensors_satellite")
    assert "only on the machine that served" in " ".join(pdftext(pdf, tmp_path).split())


def test_memo_text_is_ragged_right_not_justified(preset_runs: dict[str, RunResult]) -> None:
    """fpdf2 justifies by default: the article's 'Against cloud-first: 3-year cost ...' line
    and the clinic's two-line title were spread with gaps (TJ arrays of word offsets)."""
    r = preset_runs["article_1m_chat"]
    memo = layout_memo(r, BASE, dt.date(2026, 11, 27))
    memo.compress = False
    assert b"] TJ" not in bytes(memo.output())
