"""Pilot calibration: known parameters come back from pilots drawn from the engine's model;
bad CSVs are refused with one line naming the row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.calibrate import (
    MAX_BYTES,
    SAMPLE_PILOT,
    all_overrides,
    calibrate,
    calibration_json,
    pilot_csv,
    read_pilot,
    sample_pilot_rows,
    synthetic_llm_rows,
    synthetic_vision_rows,
)
from planner.cli import main
from planner.errors import ScenarioError
from planner.presets import load

SAMPLE = Path(__file__).resolve().parents[2] / "presets" / "pilots" / "pi5_hailo10h_l4_chat.csv"


def fit_of(csv_text: str):  # type: ignore[no-untyped-def]
    return calibrate(read_pilot(csv_text.encode()))


@pytest.mark.parametrize(
    ("overhead_ms", "prefill", "decode"), [(310, 400, 8.2), (60, 3000, 30), (100, 80, 11)]
)
def test_llm_fit_recovers_known_parameters_within_5_percent(
    overhead_ms: float, prefill: float, decode: float
) -> None:
    rows = synthetic_llm_rows("edge", overhead_ms, prefill, decode, n=300, seed=3)
    fit = fit_of(pilot_csv(rows)).edge
    assert fit is not None and fit.kind == "llm"
    assert fit.overhead_ms == pytest.approx(overhead_ms, rel=0.05)
    assert fit.prefill_tokens_per_s == pytest.approx(prefill, rel=0.05)
    assert fit.decode_tokens_per_s == pytest.approx(decode, rel=0.05)
    assert fit.r2 > 0.95 and fit.n == 300


def test_vision_fit_recovers_p50_and_p99_within_5_percent() -> None:
    rows = synthetic_vision_rows("edge", 30, 45, n=2000, seed=5)
    rows += synthetic_vision_rows("cloud", 3, 3.3, n=500, seed=5)
    cal = fit_of(pilot_csv(rows))
    assert cal.edge is not None and cal.edge.kind == "vision"
    assert cal.edge.p50_ms == pytest.approx(30, rel=0.05)
    assert cal.edge.p99_ms == pytest.approx(45, rel=0.05)
    assert cal.edge.r2 > 0.99
    assert all_overrides(cal)["cloud.batch1_ms"] == pytest.approx(3, rel=0.05)


def test_sample_pilot_is_drawn_from_the_stated_parameters_and_fits_them() -> None:
    assert SAMPLE.read_text(encoding="utf-8") == pilot_csv(sample_pilot_rows())
    cal = calibrate(read_pilot(SAMPLE.read_bytes()))
    for target, fit in (("edge", cal.edge), ("cloud", cal.cloud)):
        truth = SAMPLE_PILOT[target]
        assert fit is not None
        for key, value in truth.items():
            assert getattr(fit, key) == pytest.approx(value, rel=0.05), (target, key)


def test_overrides_apply_to_a_scenario_and_reach_the_engine() -> None:
    from planner.catalog import load_catalog
    from planner.engine_inputs import edge_input, pool_input

    cal = calibrate(read_pilot(SAMPLE.read_bytes()))
    s = load("article_1m_chat", {**all_overrides(cal), "cloud.gpu": "l4"})
    cat = load_catalog()
    speeds = edge_input(s, cat.devices[s.edge.device], [0]).llm_by_class[0]
    prefill, decode, overhead_s = speeds or (0, 0, 0)
    assert cal.edge is not None and cal.edge.kind == "llm"
    assert (prefill, decode) == pytest.approx(
        (cal.edge.prefill_tokens_per_s, cal.edge.decode_tokens_per_s), rel=1e-3
    )
    assert overhead_s * 1000 == pytest.approx(cal.edge.overhead_ms, rel=1e-3)
    pool = pool_input(s, cat.gpus["l4"], 1.0)
    assert cal.cloud is not None and cal.cloud.kind == "llm"
    assert pool.single_tps == pytest.approx(cal.cloud.decode_tokens_per_s, rel=1e-3)
    assert pool.overhead_s * 1000 == pytest.approx(cal.cloud.overhead_ms, rel=1e-3)


GOOD_HEADER = "target,prompt_tokens,output_tokens,latency_ms\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("target,prompt_tokens,latency_ms\nedge,1,2\n", "missing column(s) output_tokens"),
        (GOOD_HEADER + "edge,100,50,-3\n", "row 2, column latency_ms"),
        (GOOD_HEADER + "edge,1,2,3\nedge,abc,2,3\n", "row 3, column prompt_tokens: 'abc'"),
        (GOOD_HEADER + "phone,1,2,3\n", "row 2, column target"),
        (GOOD_HEADER + "edge,1,2,3\n" * 4, "4 'edge' rows; a fit needs at least 10"),
        (GOOD_HEADER, "no data rows"),
        (GOOD_HEADER + "edge,1,2,\n", "row 2, column latency_ms: empty"),
    ],
)
def test_bad_csv_names_row_and_column(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=None) as info:
        read_pilot(text.encode(), "p.csv")
    assert expected in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_non_utf8_and_oversized_files_are_refused() -> None:
    with pytest.raises(ScenarioError, match="not UTF-8"):
        read_pilot(GOOD_HEADER.encode() + b"edge,1,2,\xff\xfe\n")
    with pytest.raises(ScenarioError, match="larger than 20,000,000 bytes"):
        read_pilot(b"x" * (MAX_BYTES + 1))


def test_cli_calibrate_json_and_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["calibrate", str(SAMPLE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"rows", "edge", "cloud"}
    assert out["edge"]["overrides"]["edge.llm_decode_tokens_per_s"] == pytest.approx(7.6, rel=0.05)
    assert {"r2", "residual_sd_ms", "n"} <= set(out["cloud"])
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_HEADER + "edge,1,x,3\n")
    assert main(["calibrate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: bad.csv row 2, column output_tokens: 'x' is not a number (plain decimal digits)"
    ]


def test_calibration_json_has_both_targets() -> None:
    rows = synthetic_llm_rows("cloud", 60, 3000, 30, n=50, seed=1)
    out = calibration_json(fit_of(pilot_csv(rows)))
    assert out["edge"] is None and out["cloud"]["kind"] == "llm"
    assert out["cloud"]["overrides"]["cloud.request_overhead_ms"] == 0.0
