"""Sizing hints: a sweep's counterpart takes the stated point's size only where its configured
run is bit-identical to the stated point's, and then it is the size a search would find.

First on a scripted measure (the load carried from t_carry devices on, the SLO met from t_meet
on): an unchanged configured run reuses the size the search found, with no run.
Then on the engine: an evaluation with the stated point's hints gives the same outcome as one
without, with no sizing run where the input (a GPU price) is nothing an edge-only fleet
simulates, and the usual search where it is (the volume).
"""

from __future__ import annotations

from typing import Any

import pytest

from planner import sensitivity_sizing as ss
from planner import sizing
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.sizing_rules import Figures, configured_size
from planner.theory import theory_scenario

KIND = "edge_only"
LEVEL = 0.95


def fleet() -> Scenario:
    s = theory_scenario(2, 0.5, "exponential", requests=1000, replications=1, seed=4)
    return apply_overrides(s, {"policy.routing.kind": KIND, "edge.device_count": 3})


def scripted(t_carry: int, t_meet: float, runs: list[int]) -> Any:
    """Figures of a fleet of n: capacity drops below t_carry devices, the SLO met from t_meet."""

    def measure(v: Scenario) -> Figures:
        n = configured_size(v, KIND)
        runs.append(n)
        return {
            "requests.arrived": 1000.0,
            "requests.completed": 1000.0 if n >= t_carry else 700.0,
            "requests.dropped_by_reason.queue_full": 0.0 if n >= t_carry else 300.0,
            "edge.utilization": 0.5 if n >= t_carry else 0.99,
            "slo_attainment": 0.99 if n >= t_meet else 0.5,
            "drop_rate": 0.0 if n >= t_carry else 0.3,
            "devices": float(n),  # tells each size's figures apart
        }

    return measure


def count_probes(monkeypatch: pytest.MonkeyPatch, count: dict[str, int]) -> None:
    """Count the sizing's engine runs, whichever way ``size`` makes them: through
    ``probe_many`` (several side by side; ``probe`` calls it too) where sizing has it, else
    through ``probe``."""
    if hasattr(sizing, "probe_many"):
        many = sizing.probe_many

        def several(scenarios: list[Scenario], processes: int) -> Any:
            count["runs"] += len(scenarios)
            return many(scenarios, processes)

        monkeypatch.setattr(sizing, "probe_many", several)
        return
    real = sizing.probe

    def one(v: Scenario) -> Figures:
        count["runs"] += 1
        return real(v)

    monkeypatch.setattr(sizing, "probe", one)


@pytest.mark.parametrize(("t_carry", "t_meet"), [(5, 9), (13, 13), (40, 41)])
def test_an_unchanged_configured_run_reuses_the_size_with_no_run(
    t_carry: int, t_meet: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []
    measure = scripted(t_carry, t_meet, runs)
    s = fleet()
    f0 = measure(s)
    found = sizing.size(s, KIND, f0, LEVEL, measure=measure)
    assert found[0].sized is not None and found[2] is not None and len(runs) > 1
    hint = ss.hint_of(found[0], found[2], dict(f0))
    count = {"runs": 0}
    count_probes(monkeypatch, count)
    assert ss.hinted_size(s, KIND, dict(f0), LEVEL, hint) == found
    assert count["runs"] == 0  # not one run


def test_figures_compare_to_the_last_bit() -> None:
    nan = float("nan")
    assert ss.same_figures({"a": 1.0, "b": nan}, {"a": 1.0, "b": nan})
    assert not ss.same_figures({"a": 1.0}, {"a": 1.0 + 1e-15})
    assert not ss.same_figures({"a": 1.0}, {"a": 1.0, "b": 2.0})


def test_a_sweep_evaluation_with_hints_matches_one_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the engine: one slow device against a pool, so the edge-only counterpart is sized;
    with the stated point's hints, twice the volume is searched and a GPU price reuses the size
    without a run, each with the outcome of an evaluation without hints."""
    from planner.sweeps import canonical, evaluate

    s = theory_scenario(2, 0.5, "exponential", requests=4000, replications=1, seed=4)
    s = apply_overrides(
        s, {"edge.vision_p50_ms": 40_000, "edge.vision_p99_ms": 60_000, "edge.queue_limit": 50}
    )
    base = evaluate(canonical(s), "decide")
    assert KIND in base["sizing"], base.get("error")
    count = {"runs": 0}
    count_probes(monkeypatch, count)
    for overrides in (
        {"workload.requests_per_month": 2 * s.workload.requests_per_month},
        {"cloud.gpu_hourly_usd": 3.0},
    ):
        v = apply_overrides(s, overrides)
        count["runs"] = 0
        hinted = evaluate(canonical(v), "decide", {"sizing": base["sizing"]})
        hinted_runs = count["runs"]
        count["runs"] = 0
        plain = evaluate(canonical(v), "decide")
        strip = ("sizing", "replays")
        assert {k: x for k, x in hinted.items() if k not in strip} == {
            k: x for k, x in plain.items() if k not in strip
        }, overrides
        assert hinted["sizing"][KIND]["sizing"]["sized"] == plain["sizing"][KIND]["sizing"]["sized"]
        if "cloud.gpu_hourly_usd" in overrides:
            assert hinted_runs == 0 < count["runs"]
        else:
            assert hinted_runs == count["runs"] > 0
