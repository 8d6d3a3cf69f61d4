"""Sensitivity: monotone inputs swing the expected way; rows carry the documented keys."""

from __future__ import annotations

from typing import Any

import pytest

from planner.presets import apply_overrides
from planner.sensitivity import NO_FLIP, sensitivity, uncertain_inputs
from planner.sweeps import Sweeper
from planner.theory import theory_scenario


@pytest.fixture(scope="module")
def tornado() -> dict[str, Any]:
    s = theory_scenario(2, 0.7, "exponential", requests=3000, replications=2, seed=4)
    s = apply_overrides(s, {"slo.p95_ms": 4 * (s.cloud.batch1_ms or 1.0)})
    return sensitivity(s, Sweeper(None))


def row(t: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in t["rows"] if r["input"] == name)


def test_gpu_price_up_raises_cost(tornado: dict[str, Any]) -> None:
    m = row(tornado, "GPU price")["monthly_usd"]
    assert m["low"] < m["base"] < m["high"]
    r = row(tornado, "GPU price")
    assert r["low"] < r["high"]


def test_more_volume_on_a_fixed_pool_lowers_attainment(tornado: dict[str, Any]) -> None:
    a = row(tornado, "volume")["slo_attainment"]
    assert a["low"] > a["base"] > a["high"]


def test_rows_have_documented_keys_and_tornado_order(tornado: dict[str, Any]) -> None:
    keys = {"input", "low", "high", "monthly_usd", "slo_attainment", "flip_at"}
    assert tornado["rows"] and all(keys <= set(r) for r in tornado["rows"])
    for r in tornado["rows"]:
        assert isinstance(r["flip_at"], float) or r["flip_at"] == NO_FLIP
    swings = [
        max(v for v in r["monthly_usd"].values()) - min(v for v in r["monthly_usd"].values())
        for r in tornado["rows"]
    ]
    assert swings == sorted(swings, reverse=True)


def test_inputs_follow_the_architecture() -> None:
    s = theory_scenario(2, 0.7, "exponential", requests=3000, replications=2, seed=4)
    names = {i.name for i in uncertain_inputs(s)}
    assert {"volume", "GPU price", "RTT", "cold start"} <= names
    assert "MTBF" not in names and "device speed" not in names  # cloud only: no fleet
    edge = apply_overrides(s, {"policy.routing.kind": "edge_only"})
    names = {i.name for i in uncertain_inputs(edge)}
    assert {"device speed", "MTBF"} <= names and "GPU price" not in names


def test_flip_point_resimulated_on_each_side_gives_both_recommendations() -> None:
    from planner.run import run

    # one slow device (20 s a frame) against a fast fixed pool, the p95 target just above the
    # device's own p95: more volume queues on the device (edge-only misses, the sized fleet
    # costs more), so the decision flips to the cloud inside the volume range
    s = theory_scenario(2, 0.5, "exponential", requests=1000, replications=2, seed=4)
    s = apply_overrides(
        s,
        {
            "cloud.batch1_ms": 1000,
            "slo.p95_ms": 27_000,
            "edge.vision_p50_ms": 20_000,
            "edge.vision_p99_ms": 30_000,
            "edge.queue_limit": 1000,
            "policy.routing.kind": "edge_only",
            "simulation.replications": 1,
        },
    )
    t = sensitivity(s, Sweeper(None))
    vol = row(t, "volume")
    assert vol["low"] < vol["flip_at"] < vol["high"]
    flipping = [r for r in t["rows"] if not isinstance(r["flip_at"], str)]
    assert vol in flipping
    for r in flipping:  # every input that reports a flip, not only volume
        assert r["flip_to"] != t["recommendation"]
        same, other = r["flip_between"]
        assert (
            min(same["value"], other["value"]) < r["flip_at"] < max(same["value"], other["value"])
        )
        for side, expected in ((same, t["recommendation"]), (other, r["flip_to"])):
            again = run(apply_overrides(s, side["overrides"]))
            assert again.extras["decision"]["architecture"] == expected, (r["input"], side)


def test_every_input_of_every_preset_is_a_valid_scenario_at_both_ends() -> None:
    from planner.presets import list_presets, load
    from planner.sensitivity import variant

    for name, _ in list_presets():
        s = load(name)
        for inp in uncertain_inputs(s):
            for f in (inp.low_factor, inp.high_factor):
                variant(s, inp, f)  # a ScenarioError names the preset's input that breaks
