"""The GPU bill read by state: a pool billed mostly idle or starting is flagged, with remedies
that fit the scenario, and the cold starts a day are counted from the simulated replicas."""

from __future__ import annotations

import pytest

from planner.cli_sim import text_report
from planner.plan import build_plan
from planner.pool_bill import read_pool
from planner.report import result_dict
from planner.run import run
from planner.summary import summarise
from tests.helpers import records, small


def bill(busy: float, idle: float, starting: float, starts_per_day: float) -> dict[str, float]:
    held = busy + idle + starting
    return {
        "cloud.gpu_hours_busy": busy,
        "cloud.gpu_hours_ready_idle": idle,
        "cloud.gpu_hours_starting": starting,
        "cloud.gpu_hours_keep_alive": 0.0,
        "cloud.gpu_hours": held,
        "cloud.gpu_hours_billed": held,
        "cloud.utilization": busy / (busy + idle) if busy + idle else 0.0,
        "cloud.cold_starts_per_day": starts_per_day,
        "cloud.gpus_per_replica": 1.0,
    }


def test_a_scale_to_zero_pool_billed_for_cold_starts_is_flagged_with_its_remedies() -> None:
    s = small()  # local_first, KPA from zero, $10/h
    # 3 busy of 375 billed hours, 226 cold starts a day (the default preset's shape)
    p = read_pool(s, bill(3.0, 228.0, 144.0, 226.0))
    assert p is not None and p.flagged
    assert p.shares["busy"] == pytest.approx(3 / 375)
    assert p.shares["starting"] == pytest.approx(144 / 375)
    assert "226 cold starts a day" in p.finding and "0.8% busy" in p.finding
    text = " ".join(p.remedies)
    # 144 h of starts over 226 x 30 starts: 76 s each; 228 h idle: 121 s each
    assert "76 s of start-up and 121 s" in text
    assert "stable_window_s (60 s now" in text
    assert "wait_threshold_s" in text and "cloud.gpu" in text
    # 12.5 GPU-hours held a day: an always-on replica (720 h a month) would cost more
    assert "would not help" in text and "720 GPU-hours a month against 375" in text


def test_churn_beyond_a_day_of_gpu_time_names_a_warm_replica() -> None:
    p = read_pool(small(), bill(20.0, 500.0, 300.0, 900.0))
    assert p is not None and p.flagged
    assert any(r.startswith("Keep one replica warm") for r in p.remedies)


def test_a_floor_held_all_month_names_scale_to_zero() -> None:
    s = small(**{"policy.routing.kind": "cloud_only", "cloud.min_replicas": 1})
    p = read_pool(s, bill(85.0, 635.0, 0.0, 0.0))
    assert p is not None and p.flagged
    assert any("cloud.min_replicas 1) is held every hour" in r for r in p.remedies)
    assert not any("cold start bills" in r for r in p.remedies)


def test_a_busy_pool_is_not_flagged_and_edge_only_has_no_reading() -> None:
    p = read_pool(small(), bill(600.0, 100.0, 20.0, 2.0))
    assert p is not None and not p.flagged and p.remedies == ()
    assert "83.3% busy" in p.finding
    assert read_pool(small(**{"policy.routing.kind": "edge_only"}), bill(0, 0, 0, 0)) is None


def test_default_preset_counts_its_cold_starts_and_is_flagged() -> None:
    s = small()
    plan = build_plan(s)
    recs = records(s)
    f = summarise(s, plan, recs)
    started = sum(
        sum(r.warmup_s <= a < r.end_s for a, _, _ in r.instances) * seg.weight
        for r, seg in zip(recs, plan.segments, strict=True)
    )
    assert f["cloud.cold_starts_per_day"] == pytest.approx(started / 30)
    assert f["cloud.cold_starts_per_day"] > 50  # sparse fallbacks start the pool again and again
    p = read_pool(s, f)
    assert p is not None and p.flagged
    assert p.shares["busy"] < 0.05 and p.shares["starting"] > 0.2


def test_json_and_cli_text_carry_the_flag_and_the_article_comparison() -> None:
    r = run(small())
    pool = result_dict(r)["cost"]["gpu_pool"]
    assert pool["local_first"]["flagged"] and pool["local_first"]["remedies"]
    assert pool["edge_only"] is None
    cloud = r.verdict.by_option("cloud-first") if r.verdict else None
    assert cloud is not None
    busy = cloud.get("cloud.gpu_hours_busy")
    note = pool["article_comparison"]
    assert f"busy {busy:,.0f} GPU-hours a month" in note and "200-300" in note
    assert f"{cloud.get('cloud.gpu_hours_billed'):,.0f} GPU-hours" in note
    text = text_report(r)
    assert "GPU pool (local_first): The GPU bill pays mostly for GPUs that are not serving" in text
    assert "  remedy: " in text
