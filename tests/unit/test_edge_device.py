"""Edge devices share their capacity: processor sharing with the catalog's batch point."""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog import load_catalog
from planner.device_speed import class_on_device, decode_tps
from planner.engine_inputs import edge_eligibility_notes
from planner.run import run
from planner.scenario import LlmClass
from simulations.edge import Device, Gauges, aggregate_speedup
from simulations.records import REASON
from tests.helpers import records, small


def test_aggregate_speedup_follows_the_measured_point_and_never_exceeds_it() -> None:
    assert [aggregate_speedup(n, (1, 1.0)) for n in (1, 2, 8)] == [1.0, 1.0, 1.0]
    assert aggregate_speedup(1, (8, 1.89)) == pytest.approx(1.0)
    assert aggregate_speedup(8, (8, 1.89)) == pytest.approx(1.89)
    assert aggregate_speedup(16, (8, 1.89)) == pytest.approx(1.89)
    assert 1.0 < aggregate_speedup(4, (8, 1.89)) < 1.89


def saturate(concurrency: int, speedup: tuple[int, float], n: int = 60) -> float:
    """Requests completed per single-stream second with n one-second jobs queued at once."""
    env = simpy.Environment()
    done: list[float] = []
    d = Device(env, concurrency, n, lambda _r, _s: done.append(env.now), Gauges(), speedup)
    for rid in range(n):
        d.admit(rid, 1.0)
    env.run()
    assert len(done) == n
    return n / max(done)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 16), st.integers(2, 16), st.floats(1.0, 16.0))
def test_raising_concurrency_never_lifts_throughput_above_the_catalog_aggregate(
    k: int, n_ref: int, s_ref: float
) -> None:
    s_ref = min(s_ref, float(n_ref))
    got = saturate(k, (n_ref, s_ref))
    assert got <= s_ref * (1 + 1e-9)
    assert got >= min(1.0, s_ref) * (1 - 1e-9)  # sharing never loses throughput either
    assert saturate(k, (1, 1.0)) == pytest.approx(1.0)  # no measured point: PS


def ps_mean_sojourn(rho: float, mean_s: float, n: int, rep: int) -> float:
    """One replication: Poisson arrivals, lognormal work, a device with 64 benches."""
    rng = np.random.default_rng([5, rep])
    arrivals = np.cumsum(rng.exponential(mean_s / rho, n))
    work = mean_s * np.exp(rng.standard_normal(n) - 0.5)  # lognormal, sigma 1, mean mean_s
    env = simpy.Environment()
    done = np.full(n, np.nan)
    d = Device(env, 64, n, lambda r, _s: done.__setitem__(r, env.now), Gauges())

    def feed() -> Generator[simpy.Event, None, None]:
        for i in range(n):
            yield env.timeout(arrivals[i] - env.now)
            d.admit(i, float(work[i]))

    env.process(feed())
    env.run()
    return float(np.mean((done - arrivals)[n // 10 :]))


@pytest.mark.slow
def test_a_device_under_processor_sharing_is_mg1_ps() -> None:
    """Mean sojourn of M/G/1-PS is E[S] / (1 - rho) whatever the service distribution."""
    rho, mean_s = 0.7, 2.0
    sojourns = [ps_mean_sojourn(rho, mean_s, 20_000, rep) for rep in range(10)]
    mean = float(np.mean(sojourns))
    half = 3.25 * float(np.std(sojourns, ddof=1)) / np.sqrt(len(sojourns))  # t(9) 99 %
    assert abs(mean - mean_s / (1 - rho)) <= half


def overloaded_hailo(concurrency: int) -> dict[str, object]:
    return {
        "workload.requests_per_month": 2_400_000,
        "workload.daily_profile": "flat",
        "edge.device_count": 10,
        "edge.sites": 10,
        "edge.concurrency_per_device": concurrency,
        "policy.routing.kind": "edge_only",
        "simulation.horizon": "representative_days",
    }


def test_concurrency_does_not_multiply_a_hailo_10h() -> None:
    one = run(small("article_1m_chat", **overloaded_hailo(1)), decide_too=False).figures
    four = run(small("article_1m_chat", **overloaded_hailo(4)), decide_too=False).figures
    # today's code: p95 250.7 s -> 24.3 s with each stream at full speed
    assert four["latency_ms.p95"] >= 0.8 * one["latency_ms.p95"]
    assert four["requests.completed"] <= 1.03 * one["requests.completed"]


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 3), st.integers(0, 10**6), st.sampled_from([1, 2, 4]))
def test_more_devices_never_raise_edge_latency(per_site: int, seed: int, conc: int) -> None:
    base = {
        "workload.requests_per_month": 60_000,
        "edge.sites": 5,
        "edge.device_count": 5 * per_site,
        "edge.queue_limit": 100_000,
        "edge.mtbf_hours": 1e7,
        "edge.concurrency_per_device": conc,
        "policy.routing.kind": "edge_only",
        "simulation.seed": seed,
        "simulation.horizon": "representative_days",
        "simulation.warmup_hours": 1,
    }
    fewer = small("article_1m_chat", **base)
    more = fewer.with_updates({"edge.device_count": 5 * (per_site + 1)})
    for a, b in zip(records(fewer), records(more), strict=True):
        both = np.isfinite(a.done_s) & np.isfinite(b.done_s)
        assert both.sum() > 0.9 * a.arrival_s.size
        lat_a = (a.done_s - a.arrival_s)[both]
        lat_b = (b.done_s - b.arrival_s)[both]
        assert lat_b.mean() <= lat_a.mean() + 1e-9


def test_a_7b_model_on_a_pi5_cpu_runs_near_2_tokens_per_second() -> None:
    device = load_catalog().devices["pi5_8gb_cpu"]
    assert device.llm is not None
    assert decode_tps(device.llm, 1.0, "int4") == pytest.approx(11.0)
    assert 1.6 <= decode_tps(device.llm, 7.0, "int4") <= 2.4
    jetson = load_catalog().devices["jetson_orin_nano_super"].llm
    hailo = load_catalog().devices["pi5_8gb_hailo10h"].llm
    assert jetson is not None and hailo is not None
    assert decode_tps(jetson, 8.0, "int4") == pytest.approx(19.14)
    assert decode_tps(hailo, 3.0, "int4") == pytest.approx(2.67)


def pi_cpu(params_b: float, **extra: object) -> dict[str, object]:
    return {
        "workload.requests_per_month": 20_000,
        "workload.request_classes.0.model_params_b": params_b,
        "edge.device": "pi5_8gb_cpu",
        "policy.routing.kind": "edge_only",
        "simulation.horizon": "representative_days",
        **extra,
    }


def test_model_size_sets_the_device_speed() -> None:
    one = run(small("article_1m_chat", **pi_cpu(1.0)), decide_too=False).figures
    seven = run(small("article_1m_chat", **pi_cpu(7.0)), decide_too=False).figures
    # today's code: both 10,441 ms (the 1B speed)
    assert seven["latency_ms.p50"] > 3.5 * one["latency_ms.p50"]


def test_a_model_that_does_not_fit_the_memory_is_not_served_on_the_edge() -> None:
    device = load_catalog().devices["pi5_8gb_cpu"]
    big = class_on_device(LlmClass(model_params_b=13), "pi5_8gb_cpu", device)
    assert not big.eligible and "GB" in big.reason and "6.5" in big.reason
    fp16 = class_on_device(LlmClass(model_params_b=8, weight_precision="fp16"), "x", device)
    assert not fp16.eligible
    roomy = load_catalog().devices["pi5_16gb_cpu"]
    assert class_on_device(LlmClass(model_params_b=13), "pi5_16gb_cpu", roomy).eligible
    s = small("article_1m_chat", **pi_cpu(13.0))
    notes = edge_eligibility_notes(s)
    assert len(notes) == 1 and "13B" in notes[0] and "GB" in notes[0]
    for r in records(s):
        assert (r.reason == REASON["not_edge_eligible"]).all()
    assert notes[0] in run(s, decide_too=False).engine["notes"]
