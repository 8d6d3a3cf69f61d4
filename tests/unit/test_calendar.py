"""The simulated month has no holes: bursts, seasons and the pool's floor hours (issue 10)."""

from __future__ import annotations

import math

import pytest

from planner.month import calendar
from planner.plan import Plan, build_plan, day_table, rounded_to_sum
from planner.presets import apply_overrides, load, preset_names
from planner.preview import preview_plan
from planner.run import run
from planner.scenario import Scenario

# small enough that a whole-month plan passes the memory work limit on any CI machine
VOLUME = 100_000


def weighted_volume(plan: Plan, sites: int) -> float:
    """Expected requests a month the plan stands for (measured part x weight x scales)."""
    total = 0.0
    for g in plan.segments:
        measured = g.rates[round(g.warmup_s / g.bin_s) :]
        total += float(measured.sum()) * g.bin_s * g.weight
    return total * sites * plan.hour_scale


def flat(horizon: str = "representative_days", **workload: object) -> Scenario:
    base = load("seasonal_burst_app")
    updates = {
        "workload.requests_per_month": VOLUME,
        "workload.daily_profile": "flat",
        "workload.weekly_profile": "flat",
        "workload.bursts": [],
        "workload.seasons": [],
        "simulation.horizon": horizon,
        "simulation.max_simulated_requests": 10**9,
    }
    return apply_overrides(base, {**updates, **{f"workload.{k}": v for k, v in workload.items()}})


@pytest.mark.parametrize("horizon", ["representative_days", "full_month"])
def test_each_burst_falls_on_its_own_days(horizon: str) -> None:
    # a daily burst beside a once-a-month one: the monthly burst adds one day's worth, not 30
    daily = {"days_per_month": 30, "start_hour": 12, "duration_hours": 1, "multiplier": 5}
    monthly = {"days_per_month": 1, "start_hour": 18, "duration_hours": 1, "multiplier": 5}
    s = flat(horizon, bursts=[daily, monthly])
    expected = VOLUME * (1 + 4 / 24 + 4 / 24 / 30)
    assert weighted_volume(build_plan(s), 1) == pytest.approx(expected, rel=1e-9)


def test_the_monthly_burst_is_on_one_day_only() -> None:
    s = flat(bursts=[{"days_per_month": 30}, {"days_per_month": 1, "start_hour": 18}])
    on = [p for p in calendar(s.workload) if 1 in p.bursts]
    assert [p.day for p in on] == [15]
    assert all(0 in p.bursts for p in calendar(s.workload))


@pytest.mark.parametrize("horizon", ["representative_days", "full_month"])
@pytest.mark.parametrize("days_per_year", [1, 6, 42, 200])
def test_a_season_keeps_its_fractional_share(horizon: str, days_per_year: int) -> None:
    s = flat(horizon, seasons=[{"days_per_year": days_per_year, "multiplier": 10}])
    share = days_per_year / 365
    assert weighted_volume(build_plan(s), 1) == pytest.approx(VOLUME * (1 + 9 * share), rel=1e-9)


def test_day_weights_sum_to_30_and_none_is_zero() -> None:
    s = flat(seasons=[{"days_per_year": 6, "multiplier": 10}], bursts=[{"days_per_month": 3}])
    parts = calendar(s.workload)
    assert math.fsum(p.weight for p in parts) == pytest.approx(30)
    assert all(p.weight > 0 for p in parts)
    plan = build_plan(s)
    assert math.fsum(g.weight for g in plan.segments) == pytest.approx(30)
    season = [g for g in plan.segments if "in season" in g.name]
    assert season and season[0].weight == pytest.approx(30 * 6 / 365)


def test_day_table_lists_every_simulated_day_with_its_weight() -> None:
    s = flat(seasons=[{"days_per_year": 42, "multiplier": 10}], bursts=[{"days_per_month": 2}])
    rows = day_table(build_plan(s))
    assert sum(float(str(r["days a month"])) for r in rows) == pytest.approx(30, abs=0.02)
    assert any("in season" in str(r["simulated day"]) for r in rows)
    assert any("burst 1" in str(r["simulated day"]) for r in rows)


def kiosk_cloud(**updates: object) -> Scenario:
    """The retail preset as a cloud-only design on a fixed pool of 12 L4, two small stores."""
    base = {
        "policy.routing.kind": "cloud_only",
        "edge.sites": 2,
        "edge.device_count": 4,
        "workload.requests_per_month": 2e6,
        "simulation.replications": 1,
        "simulation.processes": 1,
        "simulation.horizon": "representative_days",
    }
    return apply_overrides(load("retail_kiosk_vision"), {**base, **updates})


def test_a_fixed_pool_is_billed_for_every_hour_of_the_month() -> None:
    s = kiosk_cloud()
    assert s.simulation.hours_per_day_simulated is not None
    assert s.simulation.hours_per_day_simulated < 24
    r = run(s, decide_too=False)
    assert r.get("cloud.gpu_hours") == pytest.approx(12 * 720, rel=1e-6)
    assert r.get("cloud.gpu_hours_billed") == pytest.approx(12 * 720, rel=1e-6)


def test_a_schedule_is_billed_outside_the_simulated_hours() -> None:
    # office hours 8-18 open; closed 14 h a day at the floor of 1, but 2.25 of those hours (a
    # 15-minute pre-warm lead moves the start only: 19:45-22:00) at the schedule's 3
    s = kiosk_cloud(
        **{
            "workload.daily_profile": "office_hours",
            "workload.open_hour": 8,
            "workload.close_hour": 18,
            "cloud.min_replicas": 1,
            "cloud.autoscaler": {
                "kind": "schedule",
                "windows": [{"start_hour": 20, "end_hour": 22, "replicas": 3}],
                "prewarm_lead_s": 900,
            },
        }
    )
    plan = build_plan(s)
    hours = sum(r * h for r, h in plan.unsimulated_pool)
    assert hours == pytest.approx((14 + 2 * 2.25) * 30)


def test_the_plan_says_why_it_simulates_the_whole_month() -> None:
    clinic = build_plan(load("clinic_llm_assistant_pii"))
    assert clinic.horizon == "full_month"
    assert any("whole month" in n and "66,000" in n for n in clinic.notes)
    hybrid = build_plan(load("local_first_hybrid"))
    assert any("budget carries state" in n for n in hybrid.notes)


def test_rare_device_failures_are_named_on_either_horizon() -> None:
    farm = load("remote_farm_sensors_satellite")
    days = build_plan(farm)
    assert days.horizon == "representative_days"
    # representative days simulate the failure states as strata (planner.failure_strata)
    assert any("1, 2 down all day" in n and "not left to chance" in n for n in days.notes)
    month = build_plan(apply_overrides(farm, {"simulation.horizon": "full_month"}))
    assert any("would see none or one" in n for n in month.notes)


def test_day_ranges_read_like_a_calendar() -> None:
    from planner.plan import day_ranges

    assert day_ranges((0, 1, 2, 4, 6, 7)) == "1-3, 5, 7-8"
    assert day_ranges(tuple(range(30))) == "1-30"


@pytest.mark.parametrize("name", preset_names())
def test_every_presets_day_list_sums_to_30_days(name: str) -> None:
    """The Assumptions page's day list, for the full plan and for the preview's compressed days
    (each counted as the days it stands for): shown to two decimals, summing to exactly 30."""
    s = load(name)
    for plan in (build_plan(s), preview_plan(s)):
        shown = [float(str(r["days a month"])) for r in day_table(plan)]
        assert math.fsum(shown) == pytest.approx(30, abs=1e-9), (plan.horizon, shown)
        assert all(v > 0 and round(v, 2) == v for v in shown)


def test_rounded_weights_keep_their_total() -> None:
    assert rounded_to_sum([10.004, 10.004, 9.992], 2) == [10.01, 10.0, 9.99]
    assert math.fsum(rounded_to_sum([30 / 7] * 7, 2)) == pytest.approx(30)
