"""The compiled KPA's skipped ticks (``kticks``) keep the SimPy model's records.

A quiet tick -- one that would not scale, panic, move the activator's proxy state or the
scale-to-zero clock, or sleep -- is not run: its area is appended when an input of the ticks
next changes. The cases are a pool that wakes for sparse traffic, cold-starts with requests
waiting, serves them and decays to zero, with bursts that panic, budgets that cap it and queue
timeouts; each is checked against the SimPy model, and the counters show that most ticks were
skipped (here over twice as many as run; 10 to 1 on ``article_1m_chat``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulations import compiled
from simulations.compiled import kloop, layout, prepare, stateref
from simulations.inputs import (
    DRAIN_CAP_S,
    ClassInput,
    EdgeInput,
    KpaInput,
    LinkInput,
    PolicyInput,
    PoolInput,
    ScalerInput,
    SegmentInput,
    TrafficInput,
)
from tests.validation.test_engine_equality import both

CHAT = ClassInput(share=1.0, is_llm=True, prompt_mean=200.0, output_mean=60.0, output_cv=1.0)


def sparse_pool(
    kpa: KpaInput,
    rates: tuple[float, ...],
    seed: int,
    replicas: tuple[int, int] = (0, 2),
    cold_start: tuple[tuple[float, float], ...] = ((20.0, 40.0),),
    budget_usd: float | None = None,
    queue_timeout_s: float | None = None,
) -> SegmentInput:
    """Cloud-only chats on two sites at ``rates`` (per site, 10-minute bins): a scale-to-zero
    pool that wakes, cold-starts and decays again."""
    link = LinkInput(0.02, 0.04, 0.08, 0.0, 20_000.0, 50_000.0, 0.0, 60.0)
    lo, hi = replicas
    return SegmentInput(
        traffic=TrafficInput(np.array(rates), 600.0, 2, (CHAT,)),
        edge=EdgeInput((0, 0), 1, 0, float("inf"), 20.0),
        links=(link, link),
        pool=PoolInput(
            llm=True,
            min_replicas=lo,
            max_replicas=hi,
            initial_replicas=lo,
            scaler=ScalerInput("kpa", kpa=kpa),
            cold_start=cold_start,
            single_tps=20.0,
            aggregate_tps=200.0,
            prefill_tps=5000.0,
            max_sequences=4,
            queue_timeout_s=queue_timeout_s,
            price_per_replica_s=0.01,
        ),
        policy=PolicyInput("cloud_only", budget_usd=budget_usd, on_budget_exhausted="drop"),
        warmup_s=0.0,
        seed=(seed,),
    )


def tick_counts(inp: SegmentInput) -> tuple[int, int]:
    """(ticks run, ticks skipped) by the compiled engine over the window and the drain."""
    req = prepare.traffic(inp)
    qf, qi = prepare.requests(inp, req, np.array([True]))
    st = prepare.build(inp, prepare.recorded(req), qf, qi, 1)
    prepare.init_globals(st, inp)
    ref = stateref.make(st)
    end = float(st.C[layout.C_END])
    assert kloop.run(ref, end, False) == 0
    assert kloop.run(ref, end + DRAIN_CAP_S, True) == 0
    gi = st.GI
    return int(gi[layout.GI_KIND + layout.E_TICK]), int(gi[layout.GI_TICKS_SKIPPED])


def test_most_ticks_are_skipped_and_the_records_agree() -> None:
    compiled.warm()
    kpa = KpaInput(container_concurrency_target=4.0, scale_to_zero_grace_s=0.0)
    run = skipped = 0
    for seed in range(4):
        inp = sparse_pool(kpa, (0.01, 0.05, 0.002), seed)
        both(inp, np.array([True]))
        r, s = tick_counts(inp)
        run, skipped = run + r, skipped + s
    assert skipped > 2 * run > 0


def test_no_tick_is_skipped_with_a_fixed_cold_start() -> None:
    """A stage of a fixed length could start a replica exactly at a tick's instant."""
    compiled.warm()
    inp = sparse_pool(KpaInput(), (0.05,), 1, cold_start=((20.0, 40.0), (8.0, 8.0)))
    both(inp, np.array([True]))
    assert tick_counts(inp)[1] == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(
    target=st.sampled_from([1.0, 4.0, 16.0]),
    stable_s=st.sampled_from([6.0, 20.0, 60.0]),
    panic_pct=st.sampled_from([10.0, 50.0, 100.0]),
    grace_s=st.sampled_from([0.0, 30.0]),
    up_rate=st.sampled_from([1.5, 1000.0]),
    down_rate=st.sampled_from([2.0, 1000.0]),
    burst=st.sampled_from([0.0, 200.0]),
    replicas=st.sampled_from([(0, 1), (0, 3), (1, 3)]),
    rates=st.sampled_from([(0.01, 0.2, 0.0), (0.05,), (0.003, 0.5)]),
    budget_usd=st.sampled_from([None, None, 2.0]),
    timeout_s=st.sampled_from([None, 15.0]),
    seed=st.integers(0, 2**16),
)
def test_random_kpa_pools_equal(
    target: float,
    stable_s: float,
    panic_pct: float,
    grace_s: float,
    up_rate: float,
    down_rate: float,
    burst: float,
    replicas: tuple[int, int],
    rates: tuple[float, ...],
    budget_usd: float | None,
    timeout_s: float | None,
    seed: int,
) -> None:
    compiled.warm()
    kpa = KpaInput(
        container_concurrency_target=target,
        stable_window_s=stable_s,
        panic_window_pct=panic_pct,
        scale_to_zero_grace_s=grace_s,
        max_scale_up_rate=up_rate,
        max_scale_down_rate=down_rate,
        target_burst_capacity=burst,
    )
    inp = sparse_pool(kpa, rates, seed, replicas, budget_usd=budget_usd, queue_timeout_s=timeout_s)
    both(inp, np.array([True]))
