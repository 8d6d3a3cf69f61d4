"""Rare device failures on representative days are simulated as strata (all devices up, k down
all day) weighted by their stationary chance, so a run's figures no longer hinge on whether a
failure happened to be drawn in the simulated day."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from planner.engine_inputs import segment_inputs
from planner.failure_strata import (
    control_variate_mean,
    down_probability,
    down_strata,
    failures_per_month,
    realised_down_share,
    take_down,
)
from planner.plan import build_plan
from planner.presets import load
from planner.preview import preview_plan
from planner.scenario import Scenario
from planner.summary import pool_records
from simulations.records import REASON
from tests.helpers import records, small


@pytest.mark.parametrize(("devices", "p"), [(50, 24 / 8784), (20, 72 / 8832), (10, 0.3), (2, 0.5)])
def test_strata_weights_sum_to_one_and_keep_the_mean_number_down(devices: int, p: float) -> None:
    strata = down_strata(devices, p)
    weights = [w for _, w in strata]
    assert all(w >= 0 for w in weights)
    assert sum(weights) == pytest.approx(1.0)
    assert sum(k * w for k, w in strata) == pytest.approx(devices * p)
    top = strata[-1][0]
    pmf = [math.comb(devices, k) * p**k * (1 - p) ** (devices - k) for k in range(devices + 1)]
    assert 1 - sum(pmf[: top + 1]) < 0.02 * (1 - pmf[0]) + 1e-12
    # a figure that counts whether any device is down (a replica held for the fallbacks): off by
    # at most the lumped share of the failure states, not by the 7 % one stratum gave the farm
    any_down = sum(w for k, w in strata if k > 0)
    assert any_down == pytest.approx(1 - pmf[0], rel=0.02)


def test_default_preset_plans_strata_with_one_and_two_devices_down() -> None:
    s = small()
    plan = build_plan(s)
    p = 24 / (8760 + 24)
    assert [g.devices_down for g in plan.segments] == [0, 1, 2]
    one = 50 * p * (1 - p) ** 49
    two = (50 * p - one) / 2  # two or more down, carried by the top stratum at the exact mean
    weights = [30 * (1 - one - two), 30 * one, 30 * two]
    assert [g.weight for g in plan.segments] == pytest.approx(weights)
    assert any("1, 2 down all day" in n for n in plan.notes)
    up, down, down2 = segment_inputs(s, plan, 0)
    assert up.edge.mtbf_s == down.edge.mtbf_s == down2.edge.mtbf_s == math.inf
    assert [sum(x.edge.devices_per_site) for x in (up, down, down2)] == [50, 49, 48]
    assert up.seed == down.seed == down2.seed  # common random numbers: the same traffic


def test_take_down_draws_devices_uniformly() -> None:
    per_site = (2, 1, 1)
    picks: Counter[int] = Counter()
    for r in range(4000):
        out = take_down(per_site, 1, (7, r))
        assert sum(out) == 3 and all(x >= 0 for x in out)
        picks[next(i for i, (a, b) in enumerate(zip(per_site, out, strict=True)) if a != b)] += 1
    assert picks[0] / 4000 == pytest.approx(0.5, abs=0.03)  # the site with 2 of the 4 devices
    assert take_down(per_site, 1, (7, 1)) == take_down(per_site, 1, (7, 1))


def test_one_representative_day_measures_the_share_of_requests_a_down_device_loses() -> None:
    # edge-only, one device per site: a down device's requests are dropped (device_failed), so
    # the month's share of such drops is the share of device-time down, 24 h of 8,784
    s = small(**{"policy.routing.kind": "edge_only"})
    plan = build_plan(s)
    pooled = pool_records(plan, records(s))
    lost = pooled.weight[pooled.reason == REASON["device_failed"]].sum() / pooled.weight.sum()
    assert lost == pytest.approx(24 / 8784, rel=0.15)
    assert np.all(pooled.reason[pooled.segment == 0] != REASON["device_failed"])


@pytest.mark.parametrize("name", ["article_1m_chat", "remote_farm_sensors_satellite"])
def test_a_preview_simulates_the_same_failure_strata_as_the_full_plan(name: str) -> None:
    s = load(name)
    full, preview = build_plan(s), preview_plan(s)
    assert preview.horizon == "preview"
    assert [g.devices_down for g in full.segments] == [0, 1, 2]
    by_down = Counter(g.devices_down for g in preview.segments)
    assert by_down == Counter(g.devices_down for g in full.segments)
    assert not any(g.failures for g in preview.segments)
    share = {g.devices_down: g.weight / g.time_scale for g in preview.segments}
    assert share == pytest.approx({g.devices_down: g.weight for g in full.segments})
    assert any("down all day" in n for n in preview.notes)


def test_the_strata_note_says_how_many_failures_a_month_expects() -> None:
    s = load("article_1m_chat")  # 50 devices, MTBF 8,760 h, MTTR 24 h
    assert failures_per_month(s, 50) == pytest.approx(50 * 720 / (8760 + 24))
    note = next(n for n in build_plan(s).notes if "down all day" in n)
    assert "A month expects 4.1 failures" in note and "none with chance 2%" in note


def _failing_month(**updates: object) -> Scenario:
    """A small whole month with devices that fail every few days (several failures a month)."""
    base = {
        "workload.requests_per_month": 20_000,
        "edge.mtbf_hours": 96.0,
        "edge.mttr_hours": 12.0,
        "simulation.horizon": "full_month",
    }
    return small(**{**base, **updates})


@pytest.mark.parametrize("replication", [0, 1])
def test_the_replayed_failure_path_is_the_one_the_engine_drew(replication: int) -> None:
    # edge-only, one device per site: a request that meets its device down is dropped
    # (device_failed), so the replayed arrival share is the drop share up to Poisson noise
    s = _failing_month(
        **{"policy.routing.kind": "edge_only", "edge.device_count": 10, "edge.sites": 10}
    )
    plan = build_plan(s)
    (rec,) = records(s, replication)
    time_share, arrival_share = realised_down_share(s, plan.segments[0], replication, 10)
    recorded = 1 - rec.device_up_s / (rec.devices * (rec.end_s - rec.warmup_s))
    assert time_share == pytest.approx(recorded, abs=1e-9)
    assert 0 < time_share < 1
    n = rec.arrival_s.size
    lost = float(np.sum(rec.reason == REASON["device_failed"])) / n
    assert lost == pytest.approx(arrival_share, abs=4 * math.sqrt(arrival_share / n) + 2e-3)


def test_the_replayed_down_share_has_the_stationary_mean() -> None:
    # the control variate's known mean: MTTR / (MTBF + MTTR), whatever the day's profile
    s = _failing_month()
    plan = build_plan(s)
    shares = np.array(
        [realised_down_share(s, plan.segments[0], r, 5)[1] for r in range(300)], dtype=float
    )
    p = down_probability(s)
    assert abs(shares.mean() - p) < 4 * shares.std(ddof=1) / math.sqrt(shares.size)


def test_control_variate_takes_out_the_controls_luck_and_covers_the_mean() -> None:
    rng = np.random.default_rng(np.random.SeedSequence(1010))
    covered, halves, plain = 0, [], []
    trials, n = 2000, 12
    for _ in range(trials):
        c = rng.exponential(1.0, n)  # known mean 1
        y = 5.0 + 3.0 * c + rng.normal(0.0, 0.1, n)  # E[y] = 8
        est, half, slope = control_variate_mean(list(y), list(c), 1.0)
        covered += abs(est - 8.0) <= half
        halves.append(half)
        plain.append(float(np.std(y, ddof=1)))
        assert slope == pytest.approx(3.0, abs=0.5)
    assert covered / trials == pytest.approx(0.95, abs=0.015)
    assert np.median(halves) < 0.1 * np.median(plain)  # the plain interval is 3 sd(c) wide


def test_an_uncorrelated_or_constant_control_leaves_the_plain_mean() -> None:
    y = [1.0, 2.0, 3.0, 4.0]
    est, half, slope = control_variate_mean(y, [0.5] * 4, 0.3)
    assert (est, slope) == (2.5, 0.0) and half > 0
