"""Sizing hints: a counterpart sized from a hint is the counterpart ``size`` finds without one.

Where the simulated answer follows the size monotonically (a scripted measure: the load is
carried from t_carry devices on, the SLO met from t_meet on), a hinted search must give the
plain search's answer for every hint, right or wrong, and need fewer runs when the hint is
right. Then on the engine: a sweep's evaluation with the stated point's hints gives the same
outcome as one without, with fewer sizing runs.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from planner import sensitivity_sizing as ss
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.sizing import Figures, configured_size, size
from planner.theory import theory_scenario

KIND = "edge_only"
LEVEL = 0.95


def fleet() -> Scenario:
    s = theory_scenario(2, 0.5, "exponential", requests=1000, replications=1, seed=4)
    return apply_overrides(s, {"policy.routing.kind": KIND, "edge.device_count": 3})


def scripted(t_carry: int, t_meet: float) -> Any:
    """Figures of a fleet of n: capacity drops below t_carry devices, the SLO met from t_meet."""

    def measure(v: Scenario) -> Figures:
        n = configured_size(v, KIND)
        return {
            "requests.arrived": 1000.0,
            "requests.dropped_by_reason.queue_full": 0.0 if n >= t_carry else 300.0,
            "edge.utilization": 0.5 if n >= t_carry else 0.99,
            "slo_attainment": 0.99 if n >= t_meet else 0.5,
            "drop_rate": 0.0 if n >= t_carry else 0.3,
            "devices": float(n),  # tells each size's figures apart
        }

    return measure


@pytest.mark.parametrize(
    ("t_carry", "t_meet"),
    [(4, 4), (5, 9), (7, math.inf), (13, 13), (20, 40), (40, 41), (90, math.inf)],
)
def test_hinted_search_gives_the_plain_answer_for_any_hint(
    t_carry: int, t_meet: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = fleet()
    measure = scripted(t_carry, t_meet)
    f0 = measure(s)
    seen: dict[int, Figures] = {}

    def recorded(v: Scenario) -> Figures:
        seen[configured_size(v, KIND)] = f = measure(v)
        return f

    plain, plain_s, plain_f = size(s, KIND, f0, LEVEL, measure=recorded)
    assert plain.sized is not None and plain_s is not None and plain_f is not None
    levels = {n: ss.level_of(KIND, f, LEVEL) for n, f in seen.items()}
    examples = {lv: seen[n] for n, lv in levels.items()}
    runs: list[int] = []
    monkeypatch.setattr(ss, "probe", lambda v: runs.append(1) or measure(v))
    as_sweeps_record = ss.hint_of(plain, plain_f, None, levels, examples)
    as_overview_gives = ss.hint_of(plain, plain_f, None)  # the sized size only
    for base in (as_sweeps_record, as_overview_gives):
        for ratio in (0.3, 0.8, 1.0, 1.25, 2.0, 5.0):  # right, a little off, far off
            runs.clear()
            hint = base | {"ratio": ratio}
            hinted, hinted_s, hinted_f = ss.hinted_size(s, KIND, f0, LEVEL, hint)
            assert (hinted.sized, hinted.meets_slo) == (plain.sized, plain.meets_slo), ratio
            assert hinted_s == plain_s and hinted_f == plain_f, ratio  # its own figures
            assert hinted.runs == len(runs)
            if ratio == 1.0 and base is as_sweeps_record:
                assert len(runs) < plain.runs or plain.runs <= 2, (len(runs), plain.runs)
            assert len(runs) <= plain.runs + 1, (ratio, len(runs), plain.runs)


def test_an_input_that_leaves_the_configured_figures_alone_reuses_the_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = fleet()
    measure = scripted(11, 11)
    f0 = measure(s)
    plain, plain_s, plain_f = size(s, KIND, f0, LEVEL, measure=measure)
    assert plain_s is not None and plain_f is not None
    monkeypatch.setattr(ss, "probe", lambda v: pytest.fail("no run needed"))
    hint = ss.hint_of(plain, plain_f, f0)
    again = ss.hinted_size(s, KIND, dict(f0), LEVEL, hint)
    assert again == (plain, plain_s, plain_f)
    changed = f0 | {"edge.utilization": 0.98}  # the input did change what it simulates
    monkeypatch.setattr(ss, "probe", measure)
    sized, _, _ = ss.hinted_size(s, KIND, changed, LEVEL, hint)
    assert sized.sized == plain.sized and sized.runs > 0


def test_witnesses_bound_every_predicted_level() -> None:
    # levels by size: 0 below 10, 1 from 10, 2 from 20 (sizes asked by a search)
    predicted = {6: 0, 8: 0, 12: 1, 16: 1, 24: 2, 48: 2}
    assert ss.witnesses(predicted) == [8, 12, 16, 24]
    assert ss.witnesses({6: 0, 12: 2}) == [6, 12]


def test_a_sweep_evaluation_with_hints_matches_one_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the engine: one slow device against a pool, so the edge-only counterpart is sized;
    twice the volume sized from the stated point's hint gives the same outcome in fewer runs,
    and a GPU price (nothing an edge-only fleet simulates) reuses the size without a run."""
    from planner import sizing
    from planner.sweeps import canonical, evaluate

    s = theory_scenario(2, 0.5, "exponential", requests=4000, replications=1, seed=4)
    s = apply_overrides(
        s, {"edge.vision_p50_ms": 40_000, "edge.vision_p99_ms": 60_000, "edge.queue_limit": 50}
    )
    base = evaluate(canonical(s), "decide")
    assert KIND in base["sizing"], base.get("error")
    count = {"runs": 0}
    real = sizing.probe

    def counted(v: Scenario) -> Figures:
        count["runs"] += 1
        return real(v)

    monkeypatch.setattr(sizing, "probe", counted)
    monkeypatch.setattr(ss, "probe", counted)
    for overrides, ratio in (
        ({"workload.requests_per_month": 2 * s.workload.requests_per_month}, 2.0),
        ({"cloud.gpu_hourly_usd": 3.0}, 1.0),
    ):
        v = apply_overrides(s, overrides)
        hints = ss.scaled(base["sizing"], lambda _k, r=ratio: r)
        count["runs"] = 0
        hinted = evaluate(canonical(v), "decide", {"sizing": hints})
        hinted_runs = count["runs"]
        count["runs"] = 0
        plain = evaluate(canonical(v), "decide")
        strip = ("sizing", "replays")
        assert {k: x for k, x in hinted.items() if k not in strip} == {
            k: x for k, x in plain.items() if k not in strip
        }, overrides
        assert hinted["sizing"][KIND]["sizing"]["sized"] == plain["sizing"][KIND]["sizing"]["sized"]
        assert hinted_runs < count["runs"], (overrides, hinted_runs, count["runs"])
        if "cloud.gpu_hourly_usd" in overrides:
            assert hinted_runs == 0
