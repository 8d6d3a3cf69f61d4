"""Flip checks: the verdict's scaled volume flip is re-simulated and said to be confirmed only
when the engine agrees; sensitivity runs on the main run's replications and seeds."""

from __future__ import annotations

from typing import Any

import pytest

from planner import sensitivity_text as text
from planner.presets import apply_overrides
from planner.run import run
from planner.scenario import Scenario
from planner.sensitivity import BISECTION_ROUNDS, POINTS_PER_ROUND, sensitivity
from planner.sweeps import Depth, Key, Outcome, Sweeper, canonical
from planner.theory import theory_scenario


def small() -> Scenario:
    """A fixed M/M/1 pool whose cost barely follows volume, against one costly device: the
    verdict scales the pool's cost with volume and predicts cloud-first below ~34k/month."""
    s = theory_scenario(1, 0.3, "exponential", requests=2000, replications=1, seed=6)
    return apply_overrides(
        s,
        {
            "cloud.pricing": "serverless",
            "cloud.min_replicas": 0,
            "cloud.max_replicas": 2,
            "cloud.autoscaler.kind": "kpa",
            "slo.p95_ms": 600_000,
            "edge.capex_usd_per_device": 12000,
            "cloud.gpu_hourly_usd": 1.0,
            "costs.fixed_cloud_usd_per_month": 0,
        },
    )


class Scripted(Sweeper):
    """A sweeper whose recommendation is cloud-first below ``flip_volume``, else edge-first;
    the base verdict predicts (scaled) a flip at ``factor`` x the stated volume."""

    def __init__(self, s: Scenario, flip_volume: float, factor: float, error: bool = False):
        super().__init__(None)
        self.volume, self.flip_volume, self.factor, self.error = (
            s.workload.requests_per_month,
            flip_volume,
            factor,
            error,
        )

    def submit(
        self, scenarios: list[Scenario], depth: Depth = "own", given: Any = None
    ) -> list[Key]:
        keys: list[Key] = [(canonical(x), depth) for x in scenarios]
        for k, x in zip(keys, scenarios, strict=True):
            self.cache[k] = self.outcome(x)
        self.evaluations += len(scenarios)
        return keys

    def outcome(self, s: Scenario) -> Outcome:
        v = s.workload.requests_per_month
        if self.error and v != self.volume:
            return {"error": "would simulate too many requests"}
        return {
            "monthly_usd": v / 100,
            "slo_attainment": 0.99,
            "p95_ms": 100.0,
            "architecture": "cloud-first" if v < self.flip_volume else "edge-first",
            "volume_flips": [[self.factor, "cloud-first"]] if v == self.volume else [],
        }


def checks(s: Scenario, sw: Sweeper) -> list[dict[str, Any]]:
    out = sensitivity(s, sw)
    return out["flip_checks"]  # type: ignore[no-any-return]


def test_a_scaled_flip_the_engine_agrees_with_is_confirmed_and_bracketed() -> None:
    s = small()
    v = s.workload.requests_per_month
    [c] = checks(s, Scripted(s, flip_volume=0.5 * v, factor=0.4))
    assert c["confirmed"] and c["simulated_architecture"] == "cloud-first"
    lo, hi = sorted(c["simulated_between"])
    narrowed = (POINTS_PER_ROUND + 1) ** BISECTION_ROUNDS  # each round splits the log bracket
    assert lo < 0.5 * v <= hi and hi / lo <= 0.4 ** (-1 / narrowed) * (1 + 1e-9)
    assert "confirmed by simulation" in c["text"] and "NOT" not in c["text"]


def test_a_scaled_flip_the_engine_does_not_show_is_called_unconfirmed() -> None:
    s = small()
    [c] = checks(s, Scripted(s, flip_volume=0.2 * s.workload.requests_per_month, factor=0.4))
    assert not c["confirmed"] and c["simulated_architecture"] == "edge-first"
    assert c["simulated_between"] is None
    assert "NOT confirmed" in c["text"] and "still recommends edge-first" in c["text"]


def test_a_flip_point_the_engine_refuses_is_said_to_be_unsimulated() -> None:
    s = small()
    [c] = checks(
        s, Scripted(s, flip_volume=0.5 * s.workload.requests_per_month, factor=0.4, error=True)
    )
    assert not c["confirmed"] and "not simulated at that volume" in c["text"]


@pytest.mark.slow
def test_check_matches_the_engine_and_the_base_point_is_the_main_run() -> None:
    s = apply_overrides(small(), {"simulation.replications": 2})
    main = run(s)
    out = sensitivity(s, Sweeper(None))
    # the screen runs 1 replication; the stated point and each flip's bracket the main run's 2
    assert out["replications"] == 1 and out["confirm_replications"] == 2
    assert "main run's 2 replications" in out["precision"]
    assert out["base"]["monthly_usd"] == main.extras["cost"]["monthly_usd"]["total"]
    assert out["base"]["slo_attainment"] == main.figures["slo_attainment"]
    assert main.verdict is not None and any("volume <" in f for f in main.verdict.flips)
    levers = {c["lever"] for c in out["flip_checks"]}
    assert levers == {"volume", "GPU price"}  # the verdict states both; both are simulated
    for c in out["flip_checks"]:
        again = run(apply_overrides(s, c["overrides"]))
        assert again.extras["decision"]["architecture"] == c["simulated_architecture"]
        assert c["confirmed"] == (c["simulated_architecture"] == c["scaled_to"])
        assert ("NOT confirmed" in c["text"]) == (not c["confirmed"])
        for side in c["flip_between"] or []:  # each side of a simulated flip, run again
            again = run(apply_overrides(s, side["overrides"]))
            assert again.extras["decision"]["architecture"] == side["recommendation"]
    assert text.check_lines(out) == [c["text"] for c in out["flip_checks"]]


def test_fewer_replications_state_their_precision() -> None:
    s = apply_overrides(small(), {"simulation.replications": 3})
    out = sensitivity(s, Scripted(s, flip_volume=0.0, factor=2.0), replications=1)
    assert out["replications"] == 1 and "the main run's 3 replications" in out["precision"]
    full = sensitivity(s, Scripted(s, flip_volume=0.0, factor=2.0), replications=3)
    assert full["replications"] == 3 and "may be noise" not in text.headline(full)
    assert "may be noise" in text.headline(out)


def test_a_gpu_price_flip_in_the_tornado_is_full_runs_on_both_sides() -> None:
    from planner.scenario import gpu_hourly_usd
    from planner.sweeps import outcome_of

    # place the stated price so that the verdict's price flip lies at x1.15, inside the
    # tornado's ±30 % for a typed price: the GPU-price row must flip, on full runs both sides
    s = small()
    factor, _ = outcome_of(run(s))["price_flips"][0]
    s = apply_overrides(s, {"cloud.gpu_hourly_usd": gpu_hourly_usd(s) * factor / 1.15})
    out = sensitivity(s, Sweeper(None))
    price = next(r for r in out["rows"] if r["input"] == "GPU price")
    assert price["low"] < price["flip_at"] < price["high"], price
    same, other = price["flip_between"]
    for side, expected in ((same, out["recommendation"]), (other, price["flip_to"])):
        again = run(apply_overrides(s, side["overrides"]))
        assert again.extras["decision"]["architecture"] == expected == side["recommendation"]


class Noisy(Scripted):
    """The screen (1 replication) flips to cloud-first below ``screen_flip``; the full run
    (the scenario's 3) below ``full_flip``: a screen flip the full run may not show."""

    def __init__(self, s: Scenario, screen_flip: float, full_flip: float):
        super().__init__(s, flip_volume=0.0, factor=2.0)
        self.screen_flip, self.full_flip = screen_flip, full_flip

    def outcome(self, s: Scenario) -> Outcome:
        self.flip_volume = self.screen_flip if s.simulation.replications == 1 else self.full_flip
        return super().outcome(s) | {"volume_flips": []}


def test_a_screen_flip_the_full_run_does_not_show_is_not_reported() -> None:
    s = apply_overrides(small(), {"simulation.replications": 3})
    v = s.workload.requests_per_month
    out = sensitivity(s, Noisy(s, screen_flip=0.8 * v, full_flip=0.0))
    vol = next(r for r in out["rows"] if r["input"] == "volume")
    assert vol["flip_at"] == "no flip within range" and vol["flip_between"] is None
    assert vol["recommendation"]["low"] == out["recommendation"] == "edge-first"  # the full run's
    assert "with the scenario's 3 replications the recommendation holds" in vol["note"]
    assert text.notes(out) and not text.flips_found(out)


def test_a_screen_flip_elsewhere_is_searched_again_at_full_replications() -> None:
    s = apply_overrides(small(), {"simulation.replications": 3})
    v = s.workload.requests_per_month
    out = sensitivity(s, Noisy(s, screen_flip=0.9 * v, full_flip=0.6 * v))
    vol = next(r for r in out["rows"] if r["input"] == "volume")
    same, other = vol["flip_between"]
    assert other["value"] < 0.6 * v <= same["value"]  # the full run's flip, bracketed
    assert (same["recommendation"], other["recommendation"]) == ("edge-first", "cloud-first")
    assert vol["note"] is None and vol["flip_to"] == "cloud-first"
