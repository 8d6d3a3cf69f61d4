"""A preview keeps the hours at or over capacity at their real length: checked against theory.

The scenario: ten single-device sites, edge only, a day at half the devices' capacity except one
hour at 1.5 times it. In that hour the fluid backlog grows at 0.5 mu a second, so a request
arriving t seconds into it waits 0.5 t: waits spread evenly over [0, 1800 s], mean 900 s; in the
next hour (0.5 mu) the backlog drains at 0.5 mu and the waits fall evenly from 1800 s to 0, mean
900 s again. A preview that compressed every hour to its budget's 1,820 s cut both to half.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.plan import Plan, build_plan
from planner.presets import load
from planner.preview import hourly_rates, preview_plan
from planner.preview_load import capacities, flow, hours_needing_time, pool_capacity
from planner.run import run
from planner.sampled_hours import fixed_pool_capacity_per_s
from planner.scenario import Scenario

PEAK_HOUR = 12
SHAPE = [1.0] * 24
SHAPE[PEAK_HOUR] = 3.0


def overloaded_hour(
    queue_limit: int = 1000, shape: list[float] = SHAPE, off_peak: float = 0.5
) -> Scenario:
    """Off-peak hours at ``off_peak`` of the devices' capacity, the peak hour at 3 times that."""
    over: dict[str, object] = {
        "policy.routing.kind": "edge_only",
        "edge.sites": 10,
        "edge.device_count": 10,
        "edge.queue_limit": queue_limit,
        "edge.mtbf_hours": 1e7,  # no failure strata: one segment per part
        "workload.daily_profile": shape,
        "workload.weekly_profile": "flat",
    }
    mu = capacities(load("article_1m_chat", over)).edge_per_site
    volume = off_peak * mu * 30 * 3600 * sum(shape) * 10
    return load("article_1m_chat", {**over, "workload.requests_per_month": volume})


def test_an_overloaded_hour_keeps_its_backlog_in_a_preview() -> None:
    s = overloaded_hour()
    plan = preview_plan(s)
    assert any(g.bin_s < 3600 for g in plan.segments)  # the other hours are compressed
    r = run(s, decide_too=False, mode="preview")
    mean_s = r.latency_by_hour.set_index("hour")["mean"] / 1000
    service_s = 1 / capacities(s).edge_per_site
    fluid_s = 0.5 * 3600 / 2 + service_s  # mean wait (0.5 t over the hour) plus the service
    assert mean_s[PEAK_HOUR] == pytest.approx(fluid_s, rel=0.15)
    assert mean_s[PEAK_HOUR + 1] == pytest.approx(fluid_s, rel=0.25)  # the drain
    assert mean_s[PEAK_HOUR - 2] < 0.1 * fluid_s  # half loaded: no backlog
    assert any("12:00-14:00" in n and "3,600 s" in n for n in r.engine["notes"])
    # the parts still add up to the month: each simulated request stands for the right number
    full = build_plan(s, check=False)

    def month(p: Plan) -> float:
        return sum(
            float(g.rates[round(g.warmup_s / g.bin_s) :].sum()) * g.bin_s * g.weight
            for g in p.segments
        )

    assert month(plan) == pytest.approx(month(full), rel=1e-9)


def test_the_fluid_model_flags_the_overloaded_hour_and_its_drain() -> None:
    s = overloaded_hour()
    hours = hourly_rates(s, *_first_day(s))
    need = hours_needing_time(s, hours, slice_s=1800.0, full_hour_s=3600.0)
    assert set(np.flatnonzero(need)) == {PEAK_HOUR, PEAK_HOUR + 1}
    # hours as long as the full run's lose nothing
    assert not hours_needing_time(s, hours, slice_s=3600.0, full_hour_s=3600.0).any()


def test_a_backlog_pinned_at_its_queue_limit_needs_no_more_time() -> None:
    """With 20 places a device the backlog fills in minutes in a compressed hour too: the hour
    at its queue limit is the same hour whatever its length (the article at 100M a month)."""
    s = overloaded_hour(queue_limit=20)
    hours = hourly_rates(s, *_first_day(s))
    assert not hours_needing_time(s, hours, slice_s=1800.0, full_hour_s=3600.0).any()


def test_a_bounded_backlog_drains_over_more_compressed_hours() -> None:
    """Four hours at 1.5 times the devices' capacity fill their queues (210 places over the ten
    sites) in 536 s, and the next hour, at half of it, drains them in 536 s again whatever the
    hour's length: an eighth of a full hour, nearly two 300 s hours. A compressed drain hour's
    mean backlog (210 / 2 x 536 / 300 = 94 requests at 300 s hours, 60 at 600 s) is over the
    full hour's (16) by more than a fifth of the 210: that hour needs its full length. At 1,800 s
    hours (31 against 16) it does not; at the full run's, nothing does."""
    shape = [1.0] * 24
    shape[10:14] = [3.0] * 4
    s = overloaded_hour(queue_limit=20, shape=shape)
    hours = hourly_rates(s, *_first_day(s))
    c = capacities(s)
    peak, drain = flow(s, c, float(hours[12])), flow(s, c, float(hours[14]))
    drain_s = peak.hold / -drain.net
    assert drain_s == pytest.approx(536, rel=0.01)
    for slice_s in (300.0, 600.0):
        need = hours_needing_time(s, hours, slice_s=slice_s, full_hour_s=3600.0)
        assert need[14] and not need[15:].any() and not need[:10].any()
        assert not need[11:14].any()  # at the limit in both: the same hours
    assert not hours_needing_time(s, hours, slice_s=1800.0, full_hour_s=3600.0)[14]
    assert not hours_needing_time(s, hours, slice_s=3600.0, full_hour_s=3600.0).any()


def test_the_pools_capacity_is_the_engines_batch_model() -> None:
    """A fixed pool at its size (the kiosk's 12 of at most 24 replicas), full batches."""
    fixed = load("retail_kiosk_vision", {"policy.routing.kind": "cloud_only"})
    assert fixed.cloud.min_replicas < fixed.cloud.max_replicas
    assert pool_capacity(fixed) == pytest.approx(fixed_pool_capacity_per_s(fixed), rel=1e-12)


def _first_day(s: Scenario) -> tuple[object, float]:
    from planner.month import calendar
    from planner.plan import base_rate, day_types

    return day_types(s.workload, calendar(s.workload))[0][0], base_rate(s.workload, s.edge.sites)


def test_a_preview_warms_up_until_the_pool_has_settled() -> None:
    """The article at 100M a month sends the GPU pool at most its 5 fallbacks a second (the rate
    limit), under one replica's concurrency target all day: the pool holds one replica all month
    (720 GPU-hours, the full run's figure). A warm-up of two 30 s hours left the second replica
    of the pool's start (scaled up in panic from zero) in the measured day: +9 %."""
    from planner.scenario import HOURS_PER_MONTH

    s = load("article_1m_chat", {"workload.requests_per_month": 1e8})
    plan = preview_plan(s)
    assert all(g.warmup_s >= 150 for g in plan.segments)  # cold start, stable window, grace
    r = run(s, decide_too=False, mode="preview")
    assert r.get("cloud.gpu_hours") == pytest.approx(HOURS_PER_MONTH, rel=0.01)


@pytest.mark.parametrize(
    ("b", "flow", "cap", "expected"),
    [
        (0.0, 2.0, 100.0, (75.0, 100.0)),  # fills in 50 s of 100: mean (25 * 50 + 100 * 50) / 100
        (100.0, -1.0, 100.0, (50.0, 0.0)),  # drains all hour: mean halfway
        (0.0, -1.0, 100.0, (0.0, 0.0)),  # nothing to drain
        (10.0, -math.inf, 100.0, (0.0, 0.0)),  # infinite spare capacity: gone at once
        (0.0, 1.0, math.inf, (50.0, 100.0)),  # no bound: grows all hour
    ],
)
def test_an_hours_fluid_backlog(
    b: float, flow: float, cap: float, expected: tuple[float, float]
) -> None:
    from planner.preview_load import hour_mean

    assert hour_mean(b, flow, cap, 100.0) == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["edge_only", "cloud_only", "local_first", "split"])
def test_every_routing_gets_an_answer_from_the_fluid_model(kind: str) -> None:
    s = load("article_1m_chat", {"policy.routing.kind": kind, "workload.requests_per_month": 1e7})
    need = hours_needing_time(s, hourly_rates(s, *_first_day(s)), 66.0, 760.0)
    assert need.dtype == bool and need.shape == (24,)


def test_a_day_over_capacity_every_hour_is_not_lengthened_but_said() -> None:
    """A backlog that grows all day needs the whole day at the full run's length: that would only
    raise the budget, so the preview keeps its hours and says the tail depends on the run's
    length."""
    s = overloaded_hour(queue_limit=100_000, shape=[1.0] * 24, off_peak=1.5)
    plan = preview_plan(s)
    assert len({g.bin_s for g in plan.segments}) == 1
    assert any("(every hour)" in n for n in plan.notes)
