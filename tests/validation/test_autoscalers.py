"""KPA and HPA against Knative's and Kubernetes' documented behaviour.

The scalers are pure, so these tests drive them tick by tick with the same window averaging the
engine uses, and assert on a log of (time, desired, in_panic) tuples.
"""

from __future__ import annotations

import math

from planner.scenario import HpaScaler as HpaSpec
from planner.scenario import KpaScaler as KpaSpec
from simulations.autoscaler import HpaScaler, KpaScaler, PoolMetrics
from simulations.engine import window_avg


def kpa_params(**kw: float) -> dict[str, float]:
    return {k: float(v) for k, v in {**KpaSpec().model_dump(exclude={"kind"}), **kw}.items()}


EXTENDED: list[float] = []


def drive_kpa(load: list[float], ready_follows: bool = True) -> list[tuple[float, int, bool]]:
    """Concurrency per tick (2 s); ready pods follow the decision at once.

    The log holds (time, desired, in panic); EXTENDED the times panic was entered
    or extended."""
    kpa = KpaScaler(kpa_params())
    stable_n, panic_n = 30, 3
    areas, log, ready = [0.0], [], 1
    for i, conc in enumerate(load, start=1):
        t = i * kpa.tick_s
        areas.append(areas[-1] + conc * kpa.tick_s)
        m = PoolMetrics(
            t, ready, 0, conc, window_avg(areas, stable_n, 2.0), window_avg(areas, panic_n, 2.0)
        )
        d = kpa.decide(m, ready)
        log.append((t, d.desired, kpa.in_panic))
        if kpa.panic_since == t:
            EXTENDED.append(t)
        if ready_follows:
            ready = max(d.desired, 0)
    return log


def test_kpa_defaults_are_upstream() -> None:
    p = kpa_params()
    assert p["container_concurrency_target"] == 100 and p["target_utilization_pct"] == 70
    assert p["stable_window_s"] == 60 and p["panic_window_pct"] == 10
    assert p["panic_threshold_pct"] == 200 and p["max_scale_down_rate"] == 2
    assert p["tick_interval_s"] == 2 and p["scale_to_zero_grace_s"] == 30


def test_kpa_step_enters_panic_within_the_panic_window() -> None:
    step_at = 100  # ticks of 2 s: 200 s of 50 in flight, then 600 in flight
    log = drive_kpa([50.0] * step_at + [600.0] * 60)
    t_step = step_at * 2
    panicked = [t for t, _, p in log if p]
    assert panicked and t_step < panicked[0] <= t_step + 6
    assert all(not p for t, _, p in log if t <= t_step)


def test_kpa_never_scales_down_while_panicking_and_waits_a_stable_window() -> None:
    load = [50.0] * 50 + [600.0] * 20 + [50.0] * 120
    EXTENDED.clear()
    log = drive_kpa(load)
    desired = [d for _, d, _ in log]
    in_panic = [p for _, _, p in log]
    for i in range(1, len(log)):
        if in_panic[i] and in_panic[i - 1]:
            assert desired[i] >= desired[i - 1]
    last_over = max(EXTENDED)
    first_down = next(
        t for (t, d, _), (_, prev, _) in zip(log[1:], log[:-1], strict=True) if d < prev
    )
    assert first_down >= last_over + 60


def test_kpa_scale_down_rate_limits_each_tick() -> None:
    load = [700.0] * 40 + [0.0] * 200
    log = drive_kpa(load)
    for (_, d, _), (_, prev, _) in zip(log[1:], log[:-1], strict=True):
        assert d >= math.floor(prev / 2)


def hpa_params(**kw: float) -> dict[str, float]:
    return {k: float(v) for k, v in {**HpaSpec().model_dump(exclude={"kind"}), **kw}.items()}


def test_hpa_tolerance_means_no_action() -> None:
    hpa = HpaScaler(hpa_params(target_inflight_per_replica=10))
    for i, inflight in enumerate([4 * 10.9, 4 * 9.1, 4 * 10.0]):
        d = hpa.decide(PoolMetrics(15.0 * (i + 1), 4, 0, inflight, 0, 0), 4)
        assert d.desired == 4


def test_hpa_scale_down_is_held_for_the_stabilisation_window() -> None:
    hpa = HpaScaler(hpa_params(target_inflight_per_replica=10))
    current, log = 2, []
    loads = [80.0] * 4 + [10.0] * 30  # 15 s ticks
    for i, inflight in enumerate(loads):
        t = 15.0 * (i + 1)
        d = hpa.decide(PoolMetrics(t, current, 0, inflight, 0, 0), current)
        current = d.desired
        log.append((t, current))
    peak_t = max(t for t, c in log if c == max(c for _, c in log))
    high = max(c for _, c in log)
    drop_t = next(t for t, c in log if t > peak_t and c < high)
    assert drop_t - 15 * 4 >= 300  # the last high recommendation was at t = 60 s


def test_hpa_scale_up_policy_max_of_100pct_or_4_pods() -> None:
    hpa = HpaScaler(hpa_params(target_inflight_per_replica=1))
    d = hpa.decide(PoolMetrics(15.0, 1, 0, 50.0, 0, 0), 1)
    assert d.desired == 5  # 1 pod: max(2, 1 + 4) per period
    hpa = HpaScaler(hpa_params(target_inflight_per_replica=1))
    d = hpa.decide(PoolMetrics(15.0, 10, 0, 500.0, 0, 0), 10)
    assert d.desired == 20  # 10 pods: max(20, 14)
