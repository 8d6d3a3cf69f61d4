"""Engine selection: the compiled engine where it says it covers a segment, SimPy elsewhere with
a notice; the flag, the JSON block, and figures that do not depend on the engine or on the
number of worker processes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import planner.engines as engines
from planner.cli import main
from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import load
from planner.run import run
from planner.summary import summarise
from simulations import compiled
from simulations.engine import run_segment as simpy_segment

TINY = {
    "workload.requests_per_month": 1e5,
    "simulation.horizon": "representative_days",
    "simulation.replications": 2,
    "simulation.warmup_hours": 0.5,
}


def tiny(**extra: object) -> object:
    return load("article_1m_chat", {**TINY, **extra})


def fake_compiled(monkeypatch: pytest.MonkeyPatch, reason: str | None) -> list[int]:
    """The compiled engine replaced by one that covers everything (running the SimPy model,
    counting its calls) or refuses with ``reason``."""
    calls: list[int] = []

    def run_segment(inp, eligible):  # type: ignore[no-untyped-def]
        calls.append(1)
        return simpy_segment(inp, eligible)

    monkeypatch.setattr(compiled, "supports", lambda inp: reason)
    monkeypatch.setattr(compiled, "run_segment", run_segment)
    return calls


def test_bad_engine_exits_2_naming_the_flag_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--engine", "numba"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--engine" in err and "compiled" in err and "simpy" in err


def test_run_refuses_an_unknown_engine_or_mode() -> None:
    with pytest.raises(ValueError, match="compiled, simpy"):
        run(tiny(), engine="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="full, preview"):
        run(tiny(), mode="quick")  # type: ignore[arg-type]


def test_refusal_is_a_notice_and_simpy_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_compiled(monkeypatch, "no continuous batching yet")
    r = run(tiny(), decide_too=False)
    assert r.engine["used"] == "simpy" and r.engine["requested"] == "compiled"
    assert not calls
    (notice,) = r.engine["notices"]
    assert "no continuous batching yet" in notice and "SimPy" in notice


def test_covered_segments_run_compiled_with_the_same_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = tiny(**{"simulation.processes": 1})
    reference = run(s, decide_too=False, engine="simpy")
    calls = fake_compiled(monkeypatch, None)
    r = run(s, decide_too=False)
    assert r.engine["used"] == "compiled" and r.engine["notices"] == []
    segments = len(segment_inputs(s, build_plan(s), 0))  # type: ignore[arg-type]
    assert len(calls) == 2 * segments  # every segment of both replications
    assert r.figures == reference.figures


def test_cli_json_and_text_state_the_engine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_compiled(monkeypatch, "no HPA yet")
    args = ["simulate", "article_1m_chat", *[f"--set={k}={v}" for k, v in TINY.items()]]
    assert main([*args, "--json"]) == 0
    engine = json.loads(capsys.readouterr().out)["engine"]
    assert engine["used"] == "simpy" and engine["mode"] == "full"
    assert any("no HPA yet" in n for n in engine["notices"])
    assert engine["precision"]["target_relative"] == 0.02
    assert main([*args, "--engine", "simpy"]) == 0
    text = capsys.readouterr().out
    assert "engine: simpy (asked simpy), full answer" in text
    assert "precision (95% half-width" in text


def test_simpy_figures_are_the_replications_own_summaries() -> None:
    """engine=simpy runs exactly the SimPy model per replication and means its summaries."""
    s = tiny()
    r = run(s, decide_too=False, engine="simpy")
    plan = build_plan(s)
    eligible = eligible_by_class(s)
    reps = [
        summarise(s, plan, [simpy_segment(i, eligible) for i in segment_inputs(s, plan, rep)])
        for rep in range(2)
    ]
    for key in ("latency_ms.p95", "slo_attainment", "cloud.gpu_hours", "fallback_rate"):
        expected = float(np.mean([rep[key] for rep in reps]))
        assert r.figures[key] == pytest.approx(expected, rel=1e-12, nan_ok=True)


def test_figures_do_not_depend_on_worker_processes() -> None:
    one = run(tiny(**{"simulation.processes": 1}), decide_too=False)
    two = run(tiny(**{"simulation.processes": 2}), decide_too=False)
    same = [k for k in one.figures if not math.isnan(one.figures[k])]
    assert all(one.figures[k] == two.figures[k] for k in same)


def test_engine_costs_are_one_constant_set_per_engine() -> None:
    assert set(engines.COSTS) == set(engines.ENGINES)
    assert engines.cost_of(["compiled", "simpy"]) is engines.COSTS["simpy"]
    assert engines.cost_of(["compiled"]) is engines.COSTS["compiled"]


def test_warm_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warm"]) == 0
    assert "compiled engine warm" in capsys.readouterr().out


def test_cli_preview_and_precision_flags(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "article_1m_chat", "--json", "--set=workload.requests_per_month=1e7"]
    assert main([*args, "--preview"]) == 0
    engine = json.loads(capsys.readouterr().out)["engine"]
    assert engine["mode"] == "preview" and engine["horizon"] == "preview"
    with pytest.raises(SystemExit) as exc:
        main([*args, "--precision", "2"])
    assert exc.value.code == 2
    assert "--precision" in capsys.readouterr().err
    tiny_args = ["simulate", "article_1m_chat", *[f"--set={k}={v}" for k, v in TINY.items()]]
    assert main([*tiny_args, "--json", "--precision", "0.4"]) == 0
    precision = json.loads(capsys.readouterr().out)["engine"]["precision"]
    assert precision["stop_rule"] == "precision" and precision["target_relative"] == 0.4
