"""The plan states the measured gap between representative days and the whole month for a
shipped preset, and only for the preset as shipped (nothing was measured for a changed one);
the numbers are the README's table of the same benchmark run."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.month_check import COMMAND, MEASURED, Gap, measured_gap, note
from planner.plan import build_plan
from planner.presets import apply_overrides, load, preset_names

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_preset_on_representative_days_has_a_measurement_and_no_other() -> None:
    days = {n for n in preset_names() if build_plan(load(n)).horizon != "full_month"}
    assert set(MEASURED) == days


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_a_shipped_preset_says_what_was_measured_in_its_plan(name: str) -> None:
    plan = build_plan(load(name))
    assert note(MEASURED[name]) in plan.notes
    rerun = apply_overrides(load(name), {"simulation.replications": 9, "simulation.seed": 4})
    assert measured_gap(rerun) == note(MEASURED[name])  # simulation settings: same design
    figures = [g.figure for g in MEASURED[name].gaps]
    assert figures[:2] == ["p95 latency", "fallback rate"]


def test_a_changed_design_gets_no_measured_gap() -> None:
    s = apply_overrides(load("article_1m_chat"), {"edge.device_count": 100})
    assert measured_gap(s) is None
    assert not any("against the whole month" in n for n in build_plan(s).notes)
    assert measured_gap(load("clinic_llm_assistant_pii")) is None  # whole month already


def test_verdicts_read_the_whole_interval_against_two_percent() -> None:
    assert Gap("p95 latency", -0.0006, 0.0022).verdict == "within"
    assert Gap("fallback rate", 0.013, 0.0194).verdict == "open"  # reaches 3.24 %
    assert Gap("fallback rate", 0.05, 0.01).verdict == "outside"
    assert Gap("p95 latency", -0.0006, 0.0022).text() == "−0.06 % ± 0.22 %"
    assert "open" in note(type(MEASURED[next(iter(MEASURED))])("x", (Gap("f", 0.013, 0.02),)))


def _readme_rows(name: str) -> list[str]:
    """Rows of the README's representative-days table that belong to one preset."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"`{COMMAND}`")
    table = text[start : text.index("\n\n", text.index("\n|", start))]
    return [row for row in table.splitlines() if row.startswith(f"| {name} |")]


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_the_plan_notes_match_the_readme_table(name: str) -> None:
    rows = _readme_rows(name)
    for gap in MEASURED[name].gaps:
        row = next(r for r in rows if f"| {gap.figure} |" in r)
        assert f"| {gap.text()} | {gap.verdict} |" in row
