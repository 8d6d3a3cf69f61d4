"""Sampled hours: L from the budget, never under the floor of the scenario's time constants."""

from __future__ import annotations

import pytest

from planner.edge_backlog import edge_backlog_s, mean_edge_service_s, speedup_factor
from planner.month import BIN_S
from planner.plan import build_plan
from planner.prepare import counterparts
from planner.presets import apply_overrides, load
from planner.sampled_hours import (
    MIN_SLICE_S,
    REQUEST_MULTIPLE,
    SCALER_MULTIPLE,
    STEADY_LOAD,
    STEADY_MIN_SLICE_S,
    choose_slice,
    fixed_pool_capacity_per_s,
    peak_per_s,
    queue_notes,
    steady_flat,
    time_constants_s,
)

ARTICLE_100M = {"workload.requests_per_month": 100_000_000}


def test_the_floor_is_a_multiple_of_the_slowest_time_constant() -> None:
    s = load("article_1m_chat", ARTICLE_100M)  # serverless KPA: no node keep-alive
    consts = time_constants_s(s)
    st = s.cloud.cold_start
    cold = sum(x.p95_s for x in (st.provisioning, st.image_pull, st.weight_load, st.warmup))
    assert consts["cold start (p95 of its stages)"] == (cold, SCALER_MULTIPLE)
    assert "node keep-alive" not in consts
    assert consts["cloud timeout"] == (s.network.cloud_timeout_s, REQUEST_MULTIPLE)
    choice = choose_slice(s, 7e6, 1000)
    assert choice.floor_s == SCALER_MULTIPLE * cold
    assert choice.slice_s >= choice.floor_s  # the budget asks for less: the floor wins


def test_a_pool_that_does_not_scale_has_only_the_requests_timeouts() -> None:
    s = load("factory_robotics_control_loop", {"policy.routing.kind": "cloud_only"})
    assert time_constants_s(s) == {"cloud timeout": (30.0, REQUEST_MULTIPLE)}
    assert choose_slice(s, 5.4e6, 1000).floor_s == max(MIN_SLICE_S, 30.0 * REQUEST_MULTIPLE)
    edge = load("factory_robotics_control_loop")  # a 22 ms frame: the floor is the minimum
    assert set(time_constants_s(edge)) == {"edge device's full queue served"}
    assert choose_slice(edge, 5.4e6, 1000).floor_s == MIN_SLICE_S


def test_the_budget_sets_l_above_the_floor() -> None:
    s = load("article_1m_chat", ARTICLE_100M)
    choice = choose_slice(s, 7.2e6, 3.6e6)
    assert choice.slice_s == 1800.0 and choice.scale == 2.0


def test_a_sampled_day_keeps_every_bin_in_order_at_its_real_rate() -> None:
    s = load("article_1m_chat", ARTICLE_100M)
    plan = build_plan(s, check=False)
    whole = build_plan(
        apply_overrides(s, {"simulation.sampled_hours_above_requests": None}), check=False
    )
    assert plan.horizon == "sampled_hours" and whole.horizon == "representative_days"
    for cut, day in zip(plan.segments, whole.segments, strict=True):
        scale = cut.time_scale
        assert cut.bin_s == pytest.approx(BIN_S / scale)
        assert cut.weight == pytest.approx(day.weight * scale)
        assert cut.devices_down == day.devices_down and cut.index == day.index
        body = cut.rates[round(cut.warmup_s / cut.bin_s) :]
        assert (body == day.rates[round(day.warmup_s / BIN_S) :]).all()
        # the warm-up is at least one floor long, simulated
        assert cut.warmup_s >= choose_slice(s, 1, 1).floor_s - 1e-6
    assert plan.expected_requests < whole.expected_requests / 3
    note = next(n for n in plan.notes if n.startswith("sampled hours"))
    assert f"L = {3600 / plan.segments[0].time_scale:,.0f} s" in note
    assert "cold start" in note and "more than the budget" in note


def test_a_schedule_keeps_whole_days() -> None:
    s = load(
        "article_1m_chat",
        {
            **ARTICLE_100M,
            "cloud.pricing": "on_demand",
            "cloud.autoscaler": {
                "kind": "schedule",
                "windows": [{"start_hour": 8, "end_hour": 20, "replicas": 4}],
            },
        },
    )
    plan = build_plan(s, check=False)
    assert plan.horizon == "representative_days"
    assert any("schedule follows the clock" in n for n in plan.notes)


def test_counterparts_size_their_own_hours() -> None:
    # the factory's edge-only run is small; its cloud-only twin sees all 40 cells' traffic
    s = load("factory_robotics_control_loop")
    assert build_plan(s, check=False).horizon == "representative_days"
    twins = counterparts(s, "sampled_hours")
    assert twins["cloud_only"].simulation.horizon == "representative_days"
    assert build_plan(twins["cloud_only"], check=False).horizon == "sampled_hours"


def test_latency_longer_than_half_an_hour_slice_is_flagged() -> None:
    plan = build_plan(load("article_1m_chat", ARTICLE_100M), check=False)
    slice_s = 3600 / plan.segments[0].time_scale
    plans = {"main": plan, "cloud_only": plan}
    quick = {"latency_ms.p95": 1000 * slice_s / 4}
    slow = {"latency_ms.p95": 1000 * slice_s}
    assert queue_notes(plans, {"main": quick, "cloud_only": quick}) == []
    (note,) = queue_notes(plans, {"main": quick, "cloud_only": slow})
    assert "cloud-only counterpart" in note and "may be understated" in note


def test_an_edge_devices_full_queue_sets_the_floor_of_an_edge_only_run() -> None:
    s = load("article_1m_chat", {**ARTICLE_100M, "policy.routing.kind": "edge_only"})
    service_s = mean_edge_service_s(s)
    assert service_s > 1  # an LLM answer on a Pi takes seconds
    held = s.edge.queue_limit + s.edge.concurrency_per_device
    assert edge_backlog_s(s) == pytest.approx(held * service_s / speedup_factor(s))
    assert choose_slice(s, 1e7, 1000).floor_s == pytest.approx(REQUEST_MULTIPLE * edge_backlog_s(s))


KIOSK_CLOUD = {"policy.routing.kind": "cloud_only"}


def slice_of(s: object) -> float:
    plan = build_plan(s, check=False)  # type: ignore[arg-type]
    assert plan.horizon == "sampled_hours"
    return 3600 / plan.segments[0].time_scale


def test_the_kiosks_pool_counterparts_run_steady_hours_sized_by_the_budget() -> None:
    """300 stores' frames through a fixed pool in a flat open window: every hour is the same
    steady hour, so the 60 s floor (MIN_SLICE_S, twice the 30 s cloud timeout) gives way to
    STEADY_MIN_SLICE_S and the budget sets L (200,000 requests: 20 s hours, not 60 s)."""
    kiosk = load("retail_kiosk_vision")
    budget = kiosk.simulation.sampled_hours_above_requests
    assert budget is not None
    for key, twin in counterparts(kiosk, "sampled_hours").items():
        if key == "edge_only":
            continue
        plan = build_plan(twin, check=False)
        assert STEADY_MIN_SLICE_S < slice_of(twin) < MIN_SLICE_S, key
        assert plan.expected_requests <= 1.5 * budget  # was 1.08M at the 60 s floor
        assert any("every hour is the same steady hour" in n for n in plan.notes), key
    probe = apply_overrides(kiosk, {"policy.routing.kind": "cloud_only"})
    short = apply_overrides(probe, {"simulation.sampled_hours_above_requests": 50_000})
    assert slice_of(short) == STEADY_MIN_SLICE_S  # a sizing probe's budget: the floor


def test_a_fixed_pool_carries_batches_at_the_engines_batch_time() -> None:
    s = load("retail_kiosk_vision", KIOSK_CLOUD)
    # L4: batch 1 in 3 ms, batch 8 in 8 / 800 s; 12 replicas of full batches of 8
    assert fixed_pool_capacity_per_s(s) == pytest.approx(12 * 800)
    plan = build_plan(s, check=False)
    assert peak_per_s(s, plan) == pytest.approx(600 * 15)  # 600 cameras at 15 fps


def test_a_steady_window_needs_flat_vision_traffic_and_a_fixed_pool_under_its_capacity() -> None:
    s = load("retail_kiosk_vision", KIOSK_CLOUD)
    cap = fixed_pool_capacity_per_s(s)
    assert steady_flat(s, 9000.0)
    assert not steady_flat(s, STEADY_LOAD * cap * 1.01)  # near saturation: the queue's
    assert not steady_flat(s, None)  # relaxation nears the hour; no plan: no claim
    kpa = apply_overrides(s, {"cloud.autoscaler": {"kind": "kpa"}})
    assert not steady_flat(kpa, 9000.0)  # an autoscaler follows the clock
    whole = apply_overrides(s, {"simulation.hours_per_day_simulated": None})
    assert not steady_flat(whole, 9000.0)  # the office-hours day steps at open and close
    assert steady_flat(load("retail_kiosk_vision"), 9000.0)  # edge-only: no pool to load


def test_a_pool_near_saturation_keeps_the_timeouts_floor() -> None:
    # 11 L4 serve 8,800 frames a second at most: 9,000 offered builds a queue up to the timeout
    s = load("retail_kiosk_vision", {**KIOSK_CLOUD, "cloud.min_replicas": 11})
    assert slice_of(s) == max(MIN_SLICE_S, REQUEST_MULTIPLE * s.network.cloud_timeout_s)
    kpa = load("retail_kiosk_vision", {**KIOSK_CLOUD, "cloud.autoscaler": {"kind": "kpa"}})
    assert slice_of(kpa) > MIN_SLICE_S


def test_a_steady_counterparts_probes_run_its_own_plan() -> None:
    """A shorter steady hour changes only the noise: the kiosk's cloud-only probes run the
    counterpart's own plan, so the size they find is not run again to confirm it."""
    from planner.probes import shortened

    s = load("retail_kiosk_vision", KIOSK_CLOUD)
    assert shortened(s) is s
    fleet = load(
        "seasonal_burst_app", {"policy.routing.kind": "edge_only", "edge.device_count": 30}
    )
    assert shortened(fleet) is not fleet  # an evening peak and a season: hours are not steady
