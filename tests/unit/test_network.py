"""Links: RTT through p50/p95/p99, per-packet loss, FIFO lanes, timeouts and the breaker."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from planner.catalog import load_catalog
from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides
from planner.theory import theory_scenario
from simulations import fastpath
from simulations.breaker import Breaker
from simulations.edge import Gauges
from simulations.engine import run_segment, spawn_streams
from simulations.inputs import BreakerInput, LinkInput
from simulations.network import (
    MIN_RTO_S,
    MSS_KB,
    Lane,
    Link,
    downlink_uniform,
    lost_packets,
    packets,
    rtt_s,
)
from simulations.records import REASON
from simulations.traffic import generate
from tests.helpers import records, small


def link_spec(**kw: float) -> LinkInput:
    base = {
        "rtt_median_s": 0.02,
        "rtt_p95_s": 0.05,
        "rtt_p99_s": 0.1,
        "loss": 0.0,
        "uplink_kbps": 8000.0,
        "downlink_kbps": 8000.0,
        "outages_per_s": 0.0,
        "outage_mean_s": 1.0,
    }
    return LinkInput(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(load_catalog().links))
def test_rtt_sampler_matches_the_catalogs_p50_p95_and_p99(name: str) -> None:
    p = load_catalog().links[name]
    spec = link_spec(
        rtt_median_s=p.rtt_median_ms.v / 1000,
        rtt_p95_s=p.rtt_p95_ms.v / 1000,
        rtt_p99_s=p.rtt_p99_ms.v / 1000,
    )
    z = np.random.default_rng(1).standard_normal(1_000_000)
    draws = np.array([rtt_s(spec, float(x)) for x in z])
    got = np.quantile(draws, [0.5, 0.95, 0.99]) * 1000
    want = [p.rtt_median_ms.v, p.rtt_p95_ms.v, p.rtt_p99_ms.v]
    np.testing.assert_allclose(got, want, rtol=0.03)


def test_a_60kb_frame_at_a_tenth_of_a_percent_packet_loss_retransmits_about_4_percent() -> None:
    n = packets(60)
    assert n == 42  # 60,000 B / 1,460 B per MSS
    u = np.random.default_rng(2).random(200_000)
    hit = np.mean([lost_packets(float(x), n, 0.001) > 0 for x in u])
    want = 1 - 0.999**n  # 4.1 %
    half = 2.576 * math.sqrt(want * (1 - want) / u.size)
    assert abs(hit - want) < half
    assert 0.035 < hit < 0.047


def test_lost_packets_is_the_negative_binomial_quantile() -> None:
    n, p = 100, 0.02
    u = np.random.default_rng(3).random(100_000)
    k = np.array([lost_packets(float(x), n, p) for x in u])
    mean = n * p / (1 - p)  # every transmission, retransmissions too, is lost with chance p
    half = 2.576 * math.sqrt(n * p / (1 - p) ** 2 / u.size)
    assert np.mean(k == 0) == pytest.approx((1 - p) ** n, abs=0.006)
    assert abs(k.mean() - mean) < half
    assert np.mean(k == 1) == pytest.approx(n * p * (1 - p) ** n, abs=0.006)
    assert lost_packets(0.0, n, 0.0) == 0 and lost_packets(0.3, 0, 0.5) == 0
    assert lost_packets(1 - 1e-12, 3, 1.0) > 3  # 100 % loss is capped, not an endless loop


def delivered_retransmissions(spec: LinkInput, kb: float, u: np.ndarray) -> np.ndarray:
    """Retransmissions recovered from each response's delivery time on an empty downlink:
    delivered = (kb + r MSS) 8 / bandwidth + RTT/2 + r (RTO + RTT), solved for r."""
    env = simpy.Environment()
    rtt = rtt_s(spec, 0.0)
    per_loss = MSS_KB * 8 / spec.downlink_kbps + MIN_RTO_S + rtt
    out = np.empty(u.size)
    for i, x in enumerate(u):
        link = Link(env, spec, Gauges())
        delivered = link.send_down(kb, 0.0, float(x))
        out[i] = (delivered - kb * 8 / spec.downlink_kbps - rtt / 2) / per_loss
    return out


@pytest.mark.parametrize(("n", "p"), [(20, 0.05), (5, 0.3), (42, 0.015)])
def test_a_responses_retransmissions_average_n_p_over_1_minus_p(n: int, p: float) -> None:
    spec = link_spec(loss=p)
    u = np.random.default_rng([4, n]).random(60_000)
    r = delivered_retransmissions(spec, n * MSS_KB, u)
    np.testing.assert_allclose(r, np.round(r), atol=1e-6)  # whole retransmissions
    r = np.round(r)
    mean, var = n * p / (1 - p), n * p / (1 - p) ** 2  # negative binomial
    half = 2.576 * math.sqrt(var / u.size)
    assert abs(r.mean() - mean) < half, (r.mean(), mean, half)
    assert np.mean(r == 0) == pytest.approx((1 - p) ** n, abs=2.576 * math.sqrt(0.25 / u.size))


def test_the_two_directions_lose_packets_independently() -> None:
    n, p = 10, 0.1
    u = np.random.default_rng(5).random(100_000)
    up = np.array([lost_packets(float(x), n, p) > 0 for x in u])
    down = np.array([lost_packets(downlink_uniform(float(x)), n, p) > 0 for x in u])
    hit = 1 - (1 - p) ** n
    assert up.mean() == pytest.approx(hit, abs=0.01) and down.mean() == pytest.approx(hit, abs=0.01)
    both = hit * hit
    assert abs(np.mean(up & down) - both) < 2.576 * math.sqrt(both * (1 - both) / u.size)


def test_a_lossless_link_delivers_a_response_at_once() -> None:
    env = simpy.Environment()
    link = Link(env, link_spec(loss=0.0), Gauges())  # 8,000 kbit/s: 10 kB take 10 ms
    assert link.send_down(10, 0.0, 0.999) == pytest.approx(0.010 + 0.010)
    lossy = Link(env, link_spec(loss=0.5), Gauges())
    # one 1,460 B packet, certainly lost at least once at u near 1: RTO + RTT + its bytes again
    late = lossy.send_down(1.46, 0.0, downlink_draw_near_one())
    assert late > 2 * 1.46 * 8 / 8000 + 0.010 + MIN_RTO_S + 0.020


def downlink_draw_near_one() -> float:
    """A request loss uniform whose downlink draw (its low bits) is just below 1."""
    return (2**27 - 1) / 2**53


def test_a_lane_serialises_frames() -> None:
    env = simpy.Environment()
    link = Link(env, link_spec(), Gauges())  # 8,000 kbit/s: 10 kB take 10 ms
    first = link.send_up(10, 0.0, 0.99, deadline_s=30)
    second = link.send_up(10, 0.0, 0.99, deadline_s=30)
    assert first == pytest.approx((0.010 + 0.010, 0.0))  # tx + RTT/2 (median 20 ms)
    assert second == pytest.approx((0.020 + 0.010, 0.010))  # waits for the first frame
    assert link.send_up(10, 0.0, 0.99, deadline_s=0.015) is None  # would start at 20 ms
    lane = Lane()
    lane.occupy(lane.start_time(5.0), 1.0)
    assert lane.start_time(5.5) == 6.0 and lane.start_time(7.0) == 7.0


def test_breaker_opens_after_k_failures_probes_and_closes() -> None:
    b = Breaker(BreakerInput(failures=3, base_open_s=30, max_open_s=50))
    for rid in range(2):
        b.failure(0.0, rid)
    assert b.allows(1.0)
    b.success(9)  # a success resets the count
    for rid in range(3):
        b.failure(2.0, rid)
    assert not b.allows(31.9) and b.allows(32.0)
    b.sending(32.0, 100)  # the probe
    assert not b.allows(32.0)
    b.failure(33.0, 5)  # another request's outcome does not count while half-open
    b.failure(40.0, 100)  # the probe fails: open again, 2 x 30 s capped at 50 s
    assert not b.allows(89.9) and b.allows(90.0)
    b.sending(90.0, 101)
    b.success(101)
    assert b.state == "closed" and b.allows(90.0) and b.opens == 2


def geo_camera(kind: str = "cloud_only", **extra: object) -> dict[str, object]:
    """One camera: 30 frames/s of 60 kB (14.4 Mbit/s) over a 3 Mbit/s GEO uplink."""
    return {
        "workload.requests_per_month": 30 * 86_400 * 30,
        "edge.device_count": 1,
        "edge.sites": 1,
        "network.link": "geo_satellite",
        "network.outages_per_day": 0,
        "cloud.min_replicas": 3,
        "policy.routing.kind": kind,
        "simulation.sites_simulated": 1,
        "simulation.hours_per_day_simulated": 0.25,
        "simulation.warmup_hours": 0.1,
        **extra,
    }


def test_an_oversubscribed_uplink_backs_up_and_times_out() -> None:
    s = small("factory_robotics_control_loop", **geo_camera())
    (r,) = records(s)
    measured = r.arrival_s >= r.warmup_s
    done = measured & np.isfinite(r.done_s)
    timed_out = measured & (r.reason == REASON["link_timeout"])
    shed = measured & (r.reason == REASON["circuit_open"])
    # the 3 Mbit/s lane carries at most 6.25 of the 30 frames/s
    capacity = 3000 / (60 * 8) * (r.end_s - r.warmup_s)
    assert done.sum() <= 1.02 * capacity
    assert timed_out.sum() > 0 and (timed_out | shed).sum() > 0.7 * measured.sum()
    # the frames that make it waited in the queue: far above the 0.65 s RTT
    lat = r.done_s[done] - r.arrival_s[done]
    assert np.quantile(lat, 0.5) > 5.0
    # the breaker opens on the timeouts and sheds the rest at once
    assert r.extra["breaker_opens"] >= 1 and shed.sum() > 0


def test_fastpath_refuses_a_link_that_times_out() -> None:
    s = small(
        "factory_robotics_control_loop",
        **geo_camera(**{"cloud.batching.max_batch_size": 1, "workload.arrival_process": "poisson"}),
    )
    (inp,) = segment_inputs(s, build_plan(s), 0)[:1]
    streams = spawn_streams(inp)
    req = generate(inp.traffic, streams[:8])
    assert not fastpath.applies(inp, req, 1e9, streams)


def test_fastpath_replays_congested_lanes_exactly() -> None:
    s = theory_scenario(2, 0.6, "exponential", 150_000, 1, seed=9)
    s = apply_overrides(
        s,
        {
            "network.ideal": False,
            "network.link": "geo_satellite",
            "network.outages_per_day": 0,
            "workload.request_classes.0.payload_kb": 150,  # 0.4 s on the 3 Mbit/s uplink
            "workload.request_classes.0.response_kb": 100,
        },
    )
    (inp,) = segment_inputs(s, build_plan(s), 0)[:1]
    streams = spawn_streams(inp)
    req = generate(inp.traffic, streams[:8])
    assert fastpath.applies(inp, req, 1e9, streams)
    elig = eligible_by_class(s)
    fast, slow = run_segment(inp, elig, True), run_segment(inp, elig, False)
    assert fast.events == 0 and slow.events > 0
    waited = slow.done_s - slow.arrival_s - slow.service_s - slow.wait_s
    assert np.nanmax(waited) > 2.0  # frames queued on the lane, not just RTT
    for name in ("path", "reason", "done_s", "ttft_s", "wait_s", "service_s", "left_site"):
        np.testing.assert_allclose(
            getattr(fast, name).astype(float),
            getattr(slow, name).astype(float),
            rtol=1e-12,
            atol=1e-9,
            equal_nan=True,
            err_msg=name,
        )
