"""The compiled engine is the SimPy model: both engines run random segments and must agree.

Per-request columns equal within 1e-9 relative (nan where nan), paths and drop reasons equal,
scaling logs, per-minute series, instances, nodes and the billing/GPU-hour figures equal. The
random segments cover every routing kind, scaler and balancer, batching on and off, device
failures, link outages, breakers, budgets, queue limits and timeouts, at small volumes.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from simulations import compiled
from simulations.billing import BillingTerms
from simulations.engine import Segment
from simulations.inputs import (
    BreakerInput,
    ClassInput,
    EdgeInput,
    HpaInput,
    KpaInput,
    LinkInput,
    PolicyInput,
    PoolInput,
    ScalerInput,
    SegmentInput,
    TrafficInput,
)
from simulations.records import SegmentRecords

COLUMNS = ("done_s", "ttft_s", "wait_s", "service_s")
EXACT = ("path", "reason", "left_site", "arrival_s", "site", "cls", "sensitive")
FIGURES = ("device_busy_s", "device_up_s", "gpu_busy_s", "gpu_ready_s", "outage_s")
PRESETS = (
    "article_1m_chat",
    "clinic_llm_assistant_pii",
    "factory_robotics_control_loop",
    "local_first_hybrid",
    "remote_farm_sensors_satellite",
    "retail_kiosk_vision",
    "seasonal_burst_app",
)
EQUALITY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def kernels_ready() -> None:
    compiled.warm()


def assert_same(a: SegmentRecords, b: SegmentRecords) -> None:
    for name in EXACT:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in COLUMNS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-9, err_msg=name)
    assert a.series.keys() == b.series.keys()
    for name, values in a.series.items():
        np.testing.assert_array_equal(values, b.series[name], err_msg=name)
    assert a.scaling_log == b.scaling_log
    np.testing.assert_allclose(np.array(a.instances), np.array(b.instances), rtol=1e-9)
    np.testing.assert_allclose(np.array(a.nodes), np.array(b.nodes), rtol=1e-9)
    for name in FIGURES:
        assert math.isclose(getattr(a, name), getattr(b, name), rel_tol=1e-9), name
    assert (a.batches, a.batch_items, a.devices, a.links) == (
        b.batches,
        b.batch_items,
        b.devices,
        b.links,
    )
    assert a.in_system_at_end == b.in_system_at_end
    assert a.extra.keys() == b.extra.keys()
    for key, value in a.extra.items():
        assert math.isclose(value, b.extra[key], rel_tol=1e-9), key


def both(inp: SegmentInput, eligible: np.ndarray) -> None:
    assert compiled.supports(inp) is None
    assert_same(Segment(inp, eligible).run(), compiled.run_segment(inp, eligible))


# ---------------------------------------------------------------- random segments
@st.composite
def classes(draw: st.DrawFn, llm: bool) -> tuple[ClassInput, ...]:
    n = draw(st.integers(1, 2))
    return tuple(
        ClassInput(
            share=draw(st.floats(0.2, 1.0)),
            is_llm=llm,
            prompt_mean=draw(st.sampled_from([20.0, 200.0, 1500.0])),
            prompt_cv=draw(st.sampled_from([0.0, 0.8])),
            output_mean=draw(st.sampled_from([5.0, 60.0, 300.0])),
            output_cv=draw(st.sampled_from([0.0, 1.0])),
            request_kb=draw(st.sampled_from([0.5, 4.0, 150.0])),
            response_kb=draw(st.sampled_from([0.5, 8.0])),
        )
        for _ in range(n)
    )


@st.composite
def links(draw: st.DrawFn, sites: int) -> tuple[LinkInput, ...]:
    out = []
    for _ in range(sites):
        median = draw(st.sampled_from([0.0, 0.02, 0.08]))
        outages = draw(st.sampled_from([0.0, 0.0, 1 / 600, 1 / 120]))
        out.append(
            LinkInput(
                rtt_median_s=median,
                rtt_p95_s=median * 2,
                rtt_p99_s=median * 4,
                loss=draw(st.sampled_from([0.0, 0.01, 0.2])),
                uplink_kbps=draw(st.sampled_from([500.0, 20_000.0])),
                downlink_kbps=draw(st.sampled_from([2_000.0, 50_000.0])),
                outages_per_s=outages,
                outage_mean_s=draw(st.sampled_from([15.0, 90.0])),
                ideal=draw(st.booleans()) and outages == 0,
            )
        )
    return tuple(out)


@st.composite
def scalers(draw: st.DrawFn) -> ScalerInput:
    kind = draw(st.sampled_from(["fixed", "kpa", "hpa", "schedule"]))
    kpa = KpaInput(
        container_concurrency_target=draw(st.sampled_from([1.0, 4.0, 16.0])),
        stable_window_s=draw(st.sampled_from([20.0, 60.0])),
        scale_to_zero_grace_s=draw(st.sampled_from([0.0, 30.0])),
        scale_down_delay_s=draw(st.sampled_from([0.0, 0.0, 20.0])),
        max_scale_down_rate=draw(st.sampled_from([2.0, 1000.0])),
        # below the panic threshold too: Knative tests the threshold before the rate clamp
        max_scale_up_rate=draw(st.sampled_from([1000.0, 1000.0, 1.5])),
    )
    hpa = HpaInput(
        target_inflight_per_replica=draw(st.sampled_from([1.0, 4.0])),
        sync_period_s=draw(st.sampled_from([5.0, 15.0])),
        scale_down_stabilization_s=draw(st.sampled_from([0.0, 60.0])),
        scale_up_select=draw(st.sampled_from(["Max", "Min", "Disabled"])),
    )
    start = draw(st.floats(0, 600))
    windows = ((start, start + draw(st.floats(60, 900)), draw(st.integers(1, 4))),)
    lead = draw(st.sampled_from([0.0, 120.0]))
    return ScalerInput(kind, kpa=kpa, hpa=hpa, windows=windows, prewarm_lead_s=lead)


@st.composite
def pools(draw: st.DrawFn, llm: bool) -> PoolInput:
    lo = draw(st.integers(0, 2))
    hi = draw(st.integers(max(lo, 1), 4))
    stages = draw(st.sampled_from([(), ((20.0, 40.0),), ((30.0, 60.0), (5.0, 9.0), (8.0, 8.0))]))
    return PoolInput(
        llm=llm,
        min_replicas=lo,
        max_replicas=hi,
        initial_replicas=draw(st.integers(0, hi)),
        scaler=draw(scalers()),
        cold_start=stages,
        batch1_s=0.01,
        batch8_s=draw(st.sampled_from([0.02, 0.05])),
        max_batch=draw(st.sampled_from([1, 4, 8, 12])),
        max_queue_delay_s=draw(st.sampled_from([0.0, 0.005, 0.05])),
        single_tps=draw(st.sampled_from([20.0, 60.0])),
        aggregate_tps=draw(st.sampled_from([100.0, 600.0])),
        prefill_tps=draw(st.sampled_from([2_000.0, 10_000.0])),
        max_sequences=draw(st.sampled_from([1, 4, 16])),
        max_batched_tokens=draw(st.sampled_from([64, 2048])),
        kv_capacity_tokens=draw(st.sampled_from([math.inf, 3_000.0])),
        load_balancer=draw(
            st.sampled_from(
                ["least_outstanding", "round_robin", "random", "power_of_two", "shared_queue"]
            )
        ),
        queue_limit=draw(st.sampled_from([None, None, 0, 5])),
        queue_timeout_s=draw(st.sampled_from([None, None, 10.0, 0.5])),  # 0.5: a busy deadline list
        variability=draw(st.sampled_from(["profile", "deterministic", "exponential"])),
        overhead_s=draw(st.sampled_from([0.0, 0.05])),
        price_per_replica_s=draw(st.sampled_from([0.0002, 0.01])),
        billing=draw(st.sampled_from([BillingTerms(), BillingTerms(1.0, 60.0)])),
        node_keep_alive_s=draw(st.sampled_from([0.0, 120.0])),
        committed_replicas=draw(st.sampled_from([0.0, 0.0, 1.0])),
        committed_usd=draw(st.sampled_from([0.0, 5.0])),
    )


@st.composite
def segments(draw: st.DrawFn, routing: tuple[str, ...]) -> tuple[SegmentInput, np.ndarray]:
    llm = draw(st.booleans())
    sites = draw(st.integers(1, 3))
    cls = draw(classes(llm))
    bins = draw(st.integers(1, 3))
    rate = np.array(draw(st.lists(st.floats(0.0, 1.5), min_size=bins, max_size=bins)))
    bin_s = draw(st.sampled_from([60.0, 240.0]))
    speeds = tuple(
        draw(st.sampled_from([(800.0, 15.0, 0.2), (3000.0, 40.0, 0.05), None])) for _ in cls
    )
    failing = draw(st.booleans())
    edge = EdgeInput(
        devices_per_site=tuple(draw(st.integers(0, 2)) for _ in range(sites)),
        concurrency=draw(st.integers(1, 3)),
        queue_limit=draw(st.integers(0, 4)),
        mtbf_s=draw(st.sampled_from([150.0, 900.0])) if failing else math.inf,
        mttr_s=draw(st.sampled_from([20.0, 120.0])),
        llm_by_class=speeds,
        vision=draw(st.sampled_from([(0.05, 0.2), (0.5, 1.5)])),
        max_context_tokens=draw(st.sampled_from([math.inf, 1500.0])),
        speedup=draw(st.sampled_from([(1, 1.0), (8, 1.9)])),
    )
    budget = draw(st.sampled_from([None, None, 0.5, 5.0]))
    policy = PolicyInput(
        kind=draw(st.sampled_from(routing)),
        sensitive_may_leave=draw(st.booleans()),
        queue_threshold=draw(st.integers(0, 3)),
        wait_threshold_s=draw(st.sampled_from([0.0, 2.0, 30.0])),
        fallback_rate_per_s=draw(st.sampled_from([0.05, 1.0, 100.0])),
        fallback_burst=draw(st.sampled_from([1.0, 5.0])),
        budget_usd=budget,
        on_budget_exhausted=draw(st.sampled_from(["queue_locally", "drop", "allow"])),
        encoder_s=draw(st.sampled_from([0.01, 0.3])),
        payload_reduction=draw(st.sampled_from([1.0, 0.2])),
        cloud_work_fraction=draw(st.sampled_from([1.0, 0.6])),
        sensitive_split_allowed=draw(st.booleans()),
        cloud_timeout_s=draw(st.sampled_from([2.0, 30.0])),
        breaker=BreakerInput(
            enabled=draw(st.booleans()),
            failures=draw(st.integers(1, 5)),
            base_open_s=draw(st.sampled_from([5.0, 30.0])),
        ),
    )
    inp = SegmentInput(
        traffic=TrafficInput(
            rate, bin_s, sites, cls, sensitive_share=draw(st.sampled_from([0.0, 0.4]))
        ),
        edge=edge,
        links=draw(links(sites)),
        pool=draw(pools(llm)),
        policy=policy,
        warmup_s=draw(st.sampled_from([0.0, 30.0])),
        day_offset_s=draw(st.sampled_from([0.0, 43_200.0, 86_000.0])),
        seed=(draw(st.integers(0, 2**16)),),
        budget_spent_usd=draw(st.sampled_from([0.0, 0.3])) if budget is not None else 0.0,
    )
    eligible = np.array([draw(st.booleans()) or len(cls) == 1 for _ in cls])
    return inp, eligible


@settings(EQUALITY, max_examples=90)
@given(segments(("cloud_only",)))
def test_cloud_only_segments_equal(case: tuple[SegmentInput, np.ndarray]) -> None:
    both(*case)


@settings(EQUALITY, max_examples=60)
@given(segments(("edge_only", "split")))
def test_edge_and_split_segments_equal(case: tuple[SegmentInput, np.ndarray]) -> None:
    both(*case)


@settings(EQUALITY, max_examples=70)
@given(segments(("local_first",)))
def test_local_first_segments_equal(case: tuple[SegmentInput, np.ndarray]) -> None:
    both(*case)


# ---------------------------------------------------------------- presets
def preset_inputs(name: str) -> tuple[list[SegmentInput], np.ndarray]:
    overrides: dict[str, Any] = {"simulation.replications": 1, "simulation.processes": 1}
    s = apply_overrides(load(name), overrides)
    return list(segment_inputs(s, build_plan(s), 0)), eligible_by_class(s)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_segment_is_supported(name: str) -> None:
    inputs, _ = preset_inputs(name)
    assert [compiled.supports(inp) for inp in inputs] == [None] * len(inputs)


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_preset_first_segment_equal(name: str) -> None:
    inputs, eligible = preset_inputs(name)
    both(inputs[0], eligible)


# ---------------------------------------------------------------- lossy downlinks
@settings(EQUALITY, max_examples=25)
@given(
    segments(("cloud_only", "local_first")),
    st.sampled_from([0.05, 0.3]),
    st.sampled_from([30.0, 150.0]),
)
def test_lossy_downlinks_equal(
    case: tuple[SegmentInput, np.ndarray], loss: float, response_kb: float
) -> None:
    """Responses of 21 or 103 packets over heavy loss: the retransmissions, their seconds on
    the downlink lane and the first token's loss agree in both engines."""
    inp, eligible = case
    lossy = tuple(replace(link, loss=loss, ideal=False) for link in inp.links)
    big = tuple(replace(c, response_kb=response_kb) for c in inp.traffic.classes)
    inp = replace(inp, links=lossy, traffic=replace(inp.traffic, classes=big))
    both(inp, eligible)
