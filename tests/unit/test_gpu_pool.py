"""The pool's service disciplines and cold starts, driven directly with a log of (name, time)."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from simulations.gpu_pool import Pool
from simulations.inputs import PoolInput, ScalerInput


def make_pool(log: list[tuple[str, float]], **kw: object) -> tuple[simpy.Environment, Pool]:
    env = simpy.Environment()
    spec = PoolInput(
        **{
            "llm": False,
            "min_replicas": 1,
            "max_replicas": 4,
            "initial_replicas": 1,
            "scaler": ScalerInput(kind="fixed"),
            "cold_start": (),
            "batch1_s": 0.010,
            "batch8_s": 0.024,
            "max_batch": 4,
            "max_queue_delay_s": 0.005,
            **kw,
        }
    )  # type: ignore[arg-type]
    tokens = {i: (100.0, 50.0) for i in range(100)}
    pool = Pool(
        env,
        spec,
        lambda rid: (1.0, 1.0, *tokens[rid]),
        lambda rid: log.append((f"done{rid}", env.now)),
        lambda rid: log.append((f"first{rid}", env.now)),
        lambda rid: log.append((f"start{rid}", env.now)),
        np.random.default_rng(0),
    )
    pool.start_warm(spec.initial_replicas)
    return env, pool


def submit_at(env: simpy.Environment, pool: Pool, rid: int, t: float) -> None:
    env.timeout(t).callbacks.append(lambda _e: pool.submit(rid))


def test_fit_matches_batch1_and_batch8() -> None:
    _, pool = make_pool([])
    assert pool.batch_s(1) == pytest.approx(0.010)
    assert pool.batch_s(8) == pytest.approx(0.024)


def test_full_batch_dispatches_at_once() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(log)
    for rid in range(4):
        submit_at(env, pool, rid, 0.001)
    env.run(until=1)
    starts = [t for name, t in log if name.startswith("start")]
    assert starts == [pytest.approx(0.001)] * 4
    dones = [t for name, t in log if name.startswith("done")]
    assert dones == [pytest.approx(0.001 + pool.batch_s(4))] * 4


def test_partial_batch_waits_for_the_queue_delay() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(log)
    submit_at(env, pool, 0, 0.001)
    submit_at(env, pool, 1, 0.002)
    env.run(until=1)
    starts = [t for name, t in log if name.startswith("start")]
    assert starts == [pytest.approx(0.006)] * 2  # oldest arrived at 1 ms, delay 5 ms


def test_cold_start_delays_the_first_request_by_its_length() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(
        log, initial_replicas=0, min_replicas=0, cold_start=((20.0, 20.0), (10.0, 10.0))
    )
    pool.scale_to(1, "test")
    submit_at(env, pool, 0, 0.0)
    env.run(until=100)
    assert dict(log)["start0"] == pytest.approx(30.0)
    assert pool.scaling_log[0][1:3] == (0, 1)


def test_continuous_batching_matches_single_and_aggregate_speed() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(
        log,
        llm=True,
        single_tps=30.0,
        aggregate_tps=1000.0,
        prefill_tps=3000.0,
        max_sequences=64,
    )
    assert 1 / pool.step_s(1) == pytest.approx(30.0)
    assert 64 / pool.step_s(64) == pytest.approx(1000.0)
    submit_at(env, pool, 0, 0.0)
    env.run(until=100)
    # one stream: prefill 100 tokens at 3000 tok/s, then 50 tokens at 30 tok/s
    assert dict(log)["first0"] == pytest.approx(100 / 3000)
    assert dict(log)["done0"] == pytest.approx(100 / 3000 + 50 / 30)


def test_sharing_slows_each_stream() -> None:
    log: list[tuple[str, float]] = []
    env, pool = make_pool(
        log,
        llm=True,
        single_tps=30.0,
        aggregate_tps=1000.0,
        prefill_tps=3000.0,
        max_sequences=64,
    )
    for rid in range(8):
        submit_at(env, pool, rid, 0.0)
    env.run(until=100)
    work = 100 / 3000 * 30 + 50  # decode-step units per stream
    assert dict(log)["done7"] == pytest.approx(work * pool.step_s(8))
