"""Sampled hours against the whole representative day on a scenario small enough for both.

The same seeds, the compiled engine, five replications: p95 latency, SLO attainment, fallback
rate and GPU-hours of the sampled-hours run (forced at the floor, the shortest hours it allows)
lie within 2 % of the whole day's (a rate judged against max(rate, 1 %)) or their 95 %
intervals overlap. benchmarks/sampled_hours.py runs the same comparison at larger volumes.
"""

from __future__ import annotations

import pytest

from planner.presets import load
from planner.run import RunResult, run

FIGURES = ("latency_ms.p95", "slo_attainment", "fallback_rate", "cloud.gpu_hours")
RATES = ("slo_attainment", "fallback_rate")
SMALL = {
    "workload.requests_per_month": 1_000_000,
    "simulation.replications": 5,
    "simulation.horizon": "representative_days",
}


@pytest.mark.slow
def test_sampled_hours_agree_with_the_whole_day() -> None:
    whole = run(
        load("article_1m_chat", {**SMALL, "simulation.sampled_hours_above_requests": None}),
        decide_too=False,
    )
    cut = run(
        load("article_1m_chat", {**SMALL, "simulation.sampled_hours_above_requests": 1000}),
        decide_too=False,
    )
    assert whole.engine["horizon"] == "representative_days"
    assert cut.engine["horizon"] == "sampled_hours"
    assert cut.engine["simulated_requests"] < whole.engine["simulated_requests"] / 3
    for key in FIGURES:
        a, b = whole.get(key), cut.get(key)
        scale = max(abs(a), 0.01) if key in RATES else abs(a)
        (alo, ahi), (blo, bhi) = whole.ci95[key], cut.ci95[key]
        overlap = alo <= bhi and blo <= ahi
        assert abs(b - a) <= 0.02 * scale or overlap, (key, a, b, whole.ci95[key], cut.ci95[key])


@pytest.mark.slow
def test_steady_ten_second_hours_agree_with_five_minute_hours() -> None:
    """The factory's cloud-only counterpart (40 cells through a fixed pool, a flat 24 h day) on
    the steady floor's 10 s hours against 300 s hours, same seeds (benchmarks/sampled_hours.py
    compares the whole day, 5.4M requests a replication, and the kiosk's counterparts)."""
    from planner import sampled_hours

    def at(budget: int) -> RunResult:
        over = {
            "policy.routing.kind": "cloud_only",
            "simulation.replications": 4,
            "simulation.sampled_hours_above_requests": budget,
        }
        return run(load("factory_robotics_control_loop", over), decide_too=False)

    short, longer = at(1000), at(450_000)
    hour_s = [3600 / r.plan.segments[0].time_scale for r in (short, longer)]
    assert hour_s == [sampled_hours.STEADY_MIN_SLICE_S, 300.0]
    for key in FIGURES:
        a, b = longer.get(key), short.get(key)
        scale = max(abs(a), 0.01) if key in RATES else abs(a)
        ci_a, ci_b = longer.ci95.get(key, (a, a)), short.ci95.get(key, (b, b))
        overlap = ci_a[0] <= ci_b[1] and ci_b[0] <= ci_a[1]
        assert abs(b - a) <= 0.02 * scale or overlap, (key, a, b, ci_a, ci_b)
